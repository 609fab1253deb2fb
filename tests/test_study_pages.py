"""A researcher sets a study up, is told what blocks launch, fixes it, launches, and watches it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annotation.studies.models import Arm, Assignment, Enrollment, Study, StudyItem
from annotation.users import User
from assist.models import CritiqueRun
from tests.factories import CriticConfigFactory, CritiqueFactory, DatasetFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _contractors(n: int) -> list[User]:
    return [UserFactory.create(username=f"worker{i}", role="contractor") for i in range(n)]


def _dataset(items: int = 6) -> object:
    dataset = DatasetFactory.create(name="pool")
    for n in range(items):
        ItemFactory.create(dataset=dataset, kind="summary" if n % 2 else "code", content_hash=f"{n:064d}")
    return dataset


def test_a_study_is_created_from_the_page_refused_until_critiques_exist_then_launched(
    researcher_client: Client, researcher: User
) -> None:
    dataset = _dataset()
    critic = CriticConfigFactory.create(name="critic-a", backend="openai", base_url="http://critic:8000/v1", model="m")
    workers = _contractors(4)
    form = {
        "name": "Does help help?",
        "datasets": [dataset.pk],  # type: ignore[attr-defined]
        "kind": "summary",
        "unassisted": "on",
        "critics": [critic.pk],
        "design": "within",
        "reviews_per_item": 1,
        "seed": 3,
        "abandon_after_s": 600,
        "instructions": "# Read carefully\n<script>alert(1)</script>**Find every flaw.**",
        "contractors": [w.pk for w in workers[:2]],
    }
    response = researcher_client.post(reverse("study-new"), form)
    study = Study.objects.get()
    assert response["Location"] == reverse("study-detail", args=[study.pk])
    assert (study.status, study.owner, study.design) == ("draft", researcher, "within")
    assert StudyItem.objects.filter(study=study).count() == 3
    assert list(Arm.objects.filter(study=study).values_list("name", "kind")) == [
        ("Unassisted", "unassisted"),
        ("Assisted: critic-a", "assisted"),
    ]
    html = researcher_client.get(reverse("study-detail", args=[study.pk])).content.decode()
    assert "Arm Assisted: critic-a: 3 items have no chosen critique from critic-a" in html
    assert "Generate the missing critiques (3 for critic-a)" in html
    assert "<strong>Find every flaw.</strong>" in html and "<script>alert(1)" not in html

    refused = researcher_client.post(reverse("study-launch", args=[study.pk]), follow=True)
    assert "Not done:" in refused.content.decode() and "3 items have no chosen critique" in refused.content.decode()
    assert not Assignment.objects.exists()

    researcher_client.post(reverse("study-critiques", args=[study.pk]))
    run = CritiqueRun.objects.get()
    assert (run.critic, run.total) == (critic, 3)

    for item_id in StudyItem.objects.filter(study=study).values_list("item_id", flat=True):
        CritiqueFactory.create(item_id=item_id, critic=critic, chosen=True)
    researcher_client.post(reverse("study-enrol", args=[study.pk]), {"contractors": [w.pk for w in workers[2:]]})
    assert Enrollment.objects.filter(study=study).count() == 4
    researcher_client.post(reverse("study-ready", args=[study.pk]))
    study.refresh_from_db()
    assert study.status == "ready"
    launched = researcher_client.post(reverse("study-launch", args=[study.pk]), follow=True).content.decode()
    assert "Launched: 6 tasks" in launched
    study.refresh_from_db()
    assert study.status == "running" and Assignment.objects.filter(study=study).count() == 6
    progress = researcher_client.get(reverse("study-progress", args=[study.pk])).content.decode()
    assert progress.count('role="progressbar"') == 2 and "0 / 3 submitted" in progress
    assert 'hx-trigger="every 3s"' in progress


def test_a_study_without_arms_or_items_is_refused_with_reasons(researcher_client: Client) -> None:
    dataset = _dataset(2)
    form: dict[str, object] = {"name": "empty", "datasets": [dataset.pk], "kind": "", "design": "between"}  # type: ignore[attr-defined]
    form |= {"reviews_per_item": 1, "seed": 0, "abandon_after_s": 600}
    response = researcher_client.post(reverse("study-new"), form)
    assert response.status_code == 400
    assert "Choose at least one arm" in response.content.decode()
    assert not Study.objects.exists()


def test_a_whole_study_can_be_scripted_through_the_api(researcher_client: Client) -> None:
    dataset = _dataset(4)
    critic = CriticConfigFactory.create(name="api-critic", backend="openai", base_url="http://critic:8000/v1")
    _contractors(2)
    body = {
        "name": "scripted",
        "datasets": [dataset.pk],  # type: ignore[attr-defined]
        "critics": [critic.pk],
        "contractors": ["worker0", "worker1"],
        "design": "within",
        "seed": 9,
    }
    created = researcher_client.post("/api/studies/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    study = created.json()
    assert [arm["kind"] for arm in study["arms"]] == ["unassisted", "assisted"]
    assert (study["item_count"], study["contractors"]) == (4, ["worker0", "worker1"])

    refused = researcher_client.post(f"/api/studies/{study['id']}/launch/")
    assert refused.status_code == 409
    assert refused.json()["missing_critiques"] == {"Assisted: api-critic": 4}

    runs = researcher_client.post(f"/api/studies/{study['id']}/generate-critiques/").json()["runs"]
    assert CritiqueRun.objects.get().pk == runs[0]
    for item_id in StudyItem.objects.filter(study_id=study["id"]).values_list("item_id", flat=True):
        CritiqueFactory.create(item_id=item_id, critic=critic, chosen=True)
    launched = researcher_client.post(f"/api/studies/{study['id']}/launch/")
    assert launched.status_code == 200 and launched.json()["status"] == "running"
    progress = researcher_client.get(f"/api/studies/{study['id']}/progress/").json()
    assert [(a["arm"], a["total"], a["submitted"]) for a in progress["arms"]] == [
        ("Unassisted", 4, 0),
        ("Assisted: api-critic", 4, 0),
    ]
    assert researcher_client.post(f"/api/studies/{study['id']}/close/").json()["status"] == "closed"


def test_critiques_of_an_imported_critic_cannot_be_generated_and_the_page_says_why(researcher: User) -> None:
    from tests.conftest import client_for
    from tests.studies import make_world

    world = make_world(researcher, [], items=1)
    world.study.status = "draft"
    world.study.save(update_fields=("status",))
    item = ItemFactory.create(dataset=world.items[0].dataset, content_hash="f" * 64)
    StudyItem.objects.create(study=world.study, item=item)
    page = client_for(researcher).post(reverse("study-critiques", args=[world.study.pk]), follow=True)
    assert "is an imported critic: its critiques come from files" in page.content.decode()
    assert not CritiqueRun.objects.exists()


def test_the_api_names_unknown_critics_and_items_instead_of_dropping_them(researcher_client: Client) -> None:
    body = {"name": "typo", "item_ids": [ItemFactory.create().pk, 999999], "critics": [424242]}
    response = researcher_client.post("/api/studies/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"critics": ["No critic with id 424242."], "item_ids": ["No item with id 999999."]}
    assert not Study.objects.exists()
