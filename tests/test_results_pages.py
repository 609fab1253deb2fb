"""Adjudication and results through the pages: confirmed verdicts win over the automatic match."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from annotation.labeling.models import FlawReport
from annotation.results.analysis.report import study_results
from annotation.results.matching import Span, overlap, propose
from annotation.results.models import Adjudication
from annotation.users import User
from tests.conftest import client_for
from tests.studies import World, make_world, submitted_review

pytestmark = pytest.mark.django_db


def test_overlap_counts_the_shorter_span_and_shared_lines_for_code() -> None:
    assert overlap(Span(0, 10), Span(5, 20), code=False) == pytest.approx(0.5)
    assert overlap(Span(0, 4), Span(4, 9), code=False) == 0.0
    assert overlap(Span(None, None), Span(4, 9), code=False) == 0.0
    assert overlap(Span(0, 50, 1, 3), Span(90, 95, 3, 3), code=True) == 1.0
    assert overlap(Span(0, 50, 1, 2), Span(90, 95, 3, 3), code=True) == 0.0
    planted = {1: Span(0, 10), 2: Span(8, 30)}
    assert propose(Span(9, 30), planted, code=False, threshold=0.3) == 2
    assert propose(Span(40, 50), planted, code=False, threshold=0.3) is None


@pytest.fixture
def world(researcher: User, contractor: User, other_contractor: User) -> World:
    w = make_world(researcher, [contractor, other_contractor], items=2)
    submitted_review(w, contractor, "assisted", 0, [(4, 7), (20, 23)])  # finds the planted "cat" flaw, plus one more
    submitted_review(w, other_contractor, "unassisted", 0, [(30, 35)])  # misses it
    submitted_review(w, contractor, "unassisted", 1, [])
    submitted_review(w, other_contractor, "assisted", 1, [(5, 7)])
    return w


def test_results_use_the_automatic_match_until_a_researcher_confirms(world: World, researcher: User) -> None:
    results = study_results(world.study, draws=200)
    catch = {e.arm: e.value for e in results.estimates if e.metric == "catch_rate"}
    assert catch == {"Unassisted": 0.0, "Assisted": 1.0}
    assert results.auto_judged == 4 and (results.reviews, results.contractors, results.items) == (4, 2, 2)
    client = client_for(researcher)
    report = FlawReport.objects.get(start=5, end=7)
    url = reverse("study-adjudicate-report", args=[world.study.pk, report.pk])
    assert client.post(url, {"verdict": "invalid", "planted_flaw": ""}).status_code == 302
    assert Adjudication.objects.get(report=report).verdict == "invalid"
    results = study_results(world.study, draws=200)
    catch = {e.arm: e.value for e in results.estimates if e.metric == "catch_rate"}
    assert catch == {"Unassisted": 0.0, "Assisted": 0.5}
    precision = {e.arm: e.value for e in results.estimates if e.metric == "precision"}
    assert precision["Assisted"] == pytest.approx(1 / 3)
    bad = client.post(url, {"verdict": "maybe", "planted_flaw": "999999"}, follow=True).content.decode()
    assert (
        "verdict: choose one of valid, invalid, nitpick." in bad and "planted_flaw: 999999 is not a planted flaw" in bad
    )


def test_the_results_page_draws_charts_and_the_csv_holds_the_table(world: World, researcher: User) -> None:
    client = client_for(researcher)
    html = client.get(reverse("study-results", args=[world.study.pk])).content.decode()
    assert html.count('<svg class="chart"') == 6  # no critical or minor planted flaws: no chart for them
    assert 'aria-label="Catch rate of planted flaws"' in html and 'aria-label="Active time per task"' in html
    assert "4</strong> submitted reviews by <strong>2</strong> contractors on <strong>2</strong> items" in html
    assert "two-way cluster bootstrap" in html
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("study-results-csv", args=[world.study.pk])).content.decode()))
    )
    catch = {row["arm"]: float(row["estimate"]) for row in rows if row["metric"] == "catch_rate"}
    assert catch == {"Unassisted": 0.0, "Assisted": 1.0}
    assert client.get(reverse("study-adjudicate", args=[world.study.pk])).status_code == 200
    item_page = client.get(reverse("study-adjudicate-item", args=[world.study.pk, world.items[0].pk])).content.decode()
    assert "matches #" in item_page and "automatic" in item_page


@pytest.mark.parametrize(("persona", "status"), [("contractor", 403), ("other_researcher", 404), ("admin_user", 200)])
def test_results_and_adjudication_are_the_owners_and_admins_only(
    world: World, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client: Client = client_for(request.getfixturevalue(persona))
    report = FlawReport.objects.first()
    assert report is not None
    for url in (
        reverse("study-results", args=[world.study.pk]),
        reverse("study-results-csv", args=[world.study.pk]),
        reverse("study-adjudicate", args=[world.study.pk]),
        reverse("study-adjudicate-item", args=[world.study.pk, world.items[0].pk]),
    ):
        assert client.get(url).status_code == status, url
    posted = client.post(reverse("study-adjudicate-report", args=[world.study.pk, report.pk]), {"verdict": "invalid"})
    assert posted.status_code == (302 if status == 200 else status)
    assert Adjudication.objects.exists() == (status == 200)
