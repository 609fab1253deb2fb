"""Critics and runs belong to someone: every researcher reads and runs them; only their maker or an
admin changes, deletes, cancels or retries them, on the pages and through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.studies.models import Arm, Study
from annotation.users import User
from assist.models import Backend, CriticConfig, CritiqueRun, RunStatus
from tests.conftest import client_for
from tests.factories import CriticConfigFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def critic(researcher: User) -> CriticConfig:
    return CriticConfig.objects.create(
        name="rosa's critic", backend=Backend.OPENAI, base_url="http://critic:8000/v1", created_by=researcher
    )


@pytest.mark.parametrize(("persona", "expected"), [("researcher", 200), ("other_researcher", 403), ("admin_user", 200)])
def test_only_the_maker_or_an_admin_changes_a_critic(
    request: pytest.FixtureRequest, critic: CriticConfig, persona: str, expected: int
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/api/critics/{critic.pk}/").status_code == 200  # everyone reads
    patch = {"base_url": "http://attacker.example/v1"}
    answer = client.patch(f"/api/critics/{critic.pk}/", patch, content_type=JSON)
    assert answer.status_code == expected
    critic.refresh_from_db()
    assert (critic.base_url == "http://attacker.example/v1") == (expected == 200)
    assert client.get(reverse("critic-edit", args=[critic.pk])).status_code == expected


def test_another_researcher_cannot_delete_a_critic_and_one_in_use_is_a_409(
    critic: CriticConfig, researcher: User, other_researcher: User
) -> None:
    assert client_for(other_researcher).delete(f"/api/critics/{critic.pk}/").status_code == 403
    study = Study.objects.create(name="uses it", owner=researcher)
    Arm.objects.create(study=study, name="Assisted", kind="assisted", critic=critic)
    answer = client_for(researcher).delete(f"/api/critics/{critic.pk}/")
    assert answer.status_code == 409 and "in use" in answer.json()["detail"]
    assert CriticConfig.objects.filter(pk=critic.pk).exists()


def test_an_imported_critic_is_edited_by_nobody(admin_user: User, researcher: User) -> None:
    imported = CriticConfigFactory.create(backend=Backend.IMPORTED, created_by=researcher)
    for user in (researcher, admin_user):
        answer = client_for(user).patch(
            f"/api/critics/{imported.pk}/", {"backend": "openai", "base_url": "http://x/v1"}, content_type=JSON
        )
        assert answer.status_code == 403 and "Imported critics" in answer.json()["detail"]
    imported.refresh_from_db()
    assert imported.backend == Backend.IMPORTED


@pytest.mark.parametrize(("persona", "expected"), [("researcher", 200), ("other_researcher", 403), ("admin_user", 200)])
def test_only_whoever_started_a_run_or_an_admin_cancels_it(
    request: pytest.FixtureRequest, critic: CriticConfig, researcher: User, persona: str, expected: int
) -> None:
    run = CritiqueRun.objects.create(critic=critic, created_by=researcher)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/api/runs/{run.pk}/").status_code == 200
    assert client.post(f"/api/runs/{run.pk}/cancel/").status_code == expected
    assert client.post(reverse("run-cancel", args=[run.pk])).status_code == (302 if expected == 200 else 403)
    run.refresh_from_db()
    assert (run.status == RunStatus.CANCELLED) == (expected == 200)
    page_retry = client.post(reverse("run-retry", args=[run.pk]))
    assert page_retry.status_code == (302 if expected == 200 else 403)
