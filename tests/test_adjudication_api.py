"""Adjudication and the match threshold through the API and the page, for the study's owner only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.labeling.models import FlawReport
from annotation.results.models import Adjudication
from annotation.users import User
from tests.conftest import client_for
from tests.studies import World, make_world, submitted_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher: User, contractor: User, other_contractor: User) -> World:
    w = make_world(researcher, [contractor, other_contractor], items=2)
    submitted_review(w, contractor, "assisted", 0, [(4, 7), (20, 23)])
    submitted_review(w, other_contractor, "unassisted", 0, [(5, 9)])
    return w


def test_the_api_lists_reports_with_proposals_and_confirms_a_verdict(world: World, researcher: User) -> None:
    client = client_for(researcher)
    url = f"/api/studies/{world.study.pk}/adjudications/"
    planted = world.items[0].planted_flaws.get()
    body = client.get(url, {"item": world.items[0].pk}).json()
    assert body["count"] == 3
    by_span = {(row["start"], row["end"]): row for row in body["results"]}
    assert by_span[(4, 7)]["proposed_planted_flaw"] == planted.pk
    assert by_span[(20, 23)]["proposed_planted_flaw"] is None
    assert by_span[(5, 9)]["proposed_planted_flaw"] == planted.pk  # 2 of 3 planted characters: 0.67 ≥ 0.3
    assert by_span[(4, 7)]["confirmed"] is False and by_span[(4, 7)]["planted_flaws"][0]["id"] == planted.pk

    report = FlawReport.objects.get(start=20)
    answer = client.post(url, {"report": report.pk, "verdict": "nitpick"}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["verdict"] == "nitpick" and answer.json()["confirmed"] is True
    adjudication = Adjudication.objects.get(report=report)
    assert (adjudication.verdict, adjudication.planted_flaw_id, adjudication.adjudicated_by) == (
        "nitpick",
        None,
        researcher,
    )

    wrong = client.post(
        url, {"report": report.pk, "verdict": "valid", "planted_flaw": 999999}, content_type="application/json"
    )
    assert wrong.status_code == 400 and "planted_flaw: 999999 is not a planted flaw" in wrong.json()["detail"]
    assert client.post(url, {"report": report.pk, "verdict": "maybe"}, content_type="application/json").json() == {
        "verdict": ['"maybe" is not a valid choice.']
    }


def test_the_match_threshold_changes_proposals_but_not_confirmed_verdicts(world: World, researcher: User) -> None:
    client = client_for(researcher)
    threshold_url = f"/api/studies/{world.study.pk}/match-threshold/"
    assert client.post(threshold_url, {"match_threshold": 1.5}, content_type="application/json").status_code == 400
    assert client.post(threshold_url, {"match_threshold": 0.9}, content_type="application/json").json()[
        "match_threshold"
    ] == pytest.approx(0.9)
    rows = client.get(f"/api/studies/{world.study.pk}/adjudications/").json()["results"]
    proposals = {(row["start"], row["end"]): row["proposed_planted_flaw"] for row in rows}
    assert proposals[(5, 9)] is None and proposals[(4, 7)] is not None

    page = client.post(reverse("study-match-threshold", args=[world.study.pk]), {"match_threshold": "nan"}, follow=True)
    assert "match_threshold: give a number from 0 to 1." in page.content.decode()
    client.post(reverse("study-match-threshold", args=[world.study.pk]), {"match_threshold": "0.25"})
    world.study.refresh_from_db()
    assert world.study.match_threshold == 0.25
    assert 'name="match_threshold"' in client.get(reverse("study-adjudicate", args=[world.study.pk])).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("contractor", 403), ("other_researcher", 404), ("admin_user", 200)])
def test_only_the_owner_and_admins_adjudicate_through_the_api(
    world: World, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    report = FlawReport.objects.first()
    assert report is not None
    base = f"/api/studies/{world.study.pk}"
    assert client.get(f"{base}/adjudications/").status_code == status
    posted = client.post(
        f"{base}/adjudications/", {"report": report.pk, "verdict": "invalid"}, content_type="application/json"
    )
    assert posted.status_code == status
    assert (
        client.post(f"{base}/match-threshold/", {"match_threshold": 0.5}, content_type="application/json").status_code
        == status
    )
    page = client.post(reverse("study-match-threshold", args=[world.study.pk]), {"match_threshold": "0.5"})
    assert page.status_code == (302 if status == 200 else status)
    assert Adjudication.objects.exists() == (status == 200)


def test_a_report_of_another_study_cannot_be_adjudicated_through_this_one(
    world: World, researcher: User, other_researcher: User, contractor: User
) -> None:
    theirs = make_world(other_researcher, [contractor], items=1)
    foreign = submitted_review(theirs, contractor, "assisted", 0, [(1, 3)]).flaws.get()
    answer = client_for(researcher).post(
        f"/api/studies/{world.study.pk}/adjudications/", {"report": foreign.pk, "verdict": "valid"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 404 and not Adjudication.objects.exists()
