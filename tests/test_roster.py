"""Enrolling contractors in bulk from a pasted list or CSV column: all or nothing, problems by line."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotation.studies.models import Enrollment, Study
from annotation.studies.roster import MAX_ROSTER_CHARS, check_roster, roster_entries
from annotation.users import User
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(researcher: User) -> Study:
    return Study.objects.create(name="roster study", owner=researcher)


@pytest.fixture
def crowd() -> list[User]:
    return [UserFactory.create(role="contractor", username=f"p{n}", email=f"P{n}@Example.org") for n in range(3)]


def _enrol(client: Client, study: Study, roster: str) -> str:
    response = client.post(reverse("study-enrol", args=[study.pk]), {"roster": roster}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_usernames_and_emails_in_any_case_from_a_csv_are_enrolled(
    researcher: User, draft: Study, crowd: list[User]
) -> None:
    roster = 'note,email\nfirst,"p0@example.org"\n,p1\nx;P2@EXAMPLE.ORG\n,p1\n\n'
    page = _enrol(client_for(researcher), draft, roster)
    assert set(Enrollment.objects.filter(study=draft).values_list("contractor__username", flat=True)) == {
        "p0",
        "p1",
        "p2",
    }
    assert "Enrolled 3 of the 3 listed" in page
    again = _enrol(client_for(researcher), draft, "p0\np1")
    assert "Enrolled 0 of the 2 listed" in again and Enrollment.objects.filter(study=draft).count() == 3


def test_one_unknown_or_non_contractor_line_enrols_nobody_and_is_named(
    researcher: User, other_researcher: User, draft: Study, crowd: list[User]
) -> None:
    inactive = UserFactory.create(role="contractor", username="gone", is_active=False)
    roster = f"p0\nnobody@example.org\n{other_researcher.username}\n{inactive.username}\n"
    page = _enrol(client_for(researcher), draft, roster)
    assert not Enrollment.objects.exists()
    assert "Nobody was enrolled" in page
    assert "line 2: &#x27;nobody@example.org&#x27; is no account" in page
    assert f"line 3: &#x27;{other_researcher.username}&#x27; is not an active contractor account" in page
    assert "line 4: &#x27;gone&#x27; is not an active contractor account" in page


def test_empty_oversized_and_closed_rosters_are_refused(researcher: User, draft: Study, crowd: list[User]) -> None:
    client = client_for(researcher)
    assert "Paste at least one" in _enrol(client, draft, "  \n username \n")
    assert check_roster("p0\n" * (MAX_ROSTER_CHARS // 3 + 1))[1][0].startswith("The list is longer")
    assert "enrol at most 5,000" in check_roster("\n".join(f"u{n}" for n in range(5001)))[1][0]
    draft.status, draft.closed_at = "closed", timezone.now()
    draft.save(update_fields=("status", "closed_at"))
    assert "The study is closed" in _enrol(client, draft, "p0")
    assert not Enrollment.objects.exists()


def test_roster_entries_keep_their_line_numbers() -> None:
    assert roster_entries("ann, ben\n\n\tcai ;\n") == [(1, "ann"), (1, "ben"), (3, "cai")]
    assert roster_entries("\nName,Username\nAnn,ann\nBen,ben\n") == [(3, "ann"), (4, "ben")]
