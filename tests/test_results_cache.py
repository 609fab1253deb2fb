"""The analysis is computed once per change of the study and served from storage; a large study's
update is computed by a real worker while the page shows its progress."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from annotation.labeling.models import FlawReport
from annotation.results.models import AnalysisSnapshot
from annotation.users import User
from tests.conftest import client_for
from tests.studies import World, make_world, submitted_review
from tests.workers import WorkerProcess

AUTH = 2


def _world(researcher: User, contractor: User, other_contractor: User) -> World:
    w = make_world(researcher, [contractor, other_contractor], items=2)
    submitted_review(w, contractor, "assisted", 0, [(4, 7)])
    submitted_review(w, other_contractor, "unassisted", 0, [(30, 35)])
    return w


@pytest.mark.django_db
def test_the_page_serves_the_stored_analysis_until_the_study_changes(
    researcher: User, contractor: User, other_contractor: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    world = _world(researcher, contractor, other_contractor)
    client = client_for(researcher)
    url = reverse("study-results", args=[world.study.pk])
    assert "submitted reviews" in client.get(url).content.decode()
    first = AnalysisSnapshot.objects.get(study=world.study)
    # study, fingerprint (reviews, adjudications, skips, exclusions), the stored analysis, the exclusions shown
    with django_assert_num_queries(AUTH + 7):
        page = client.get(url).content.decode()
    assert "from the study as it is now" in page
    assert client.get(reverse("study-results-csv", args=[world.study.pk])).status_code == 200
    assert client.get(f"/api/studies/{world.study.pk}/results/").json()["stale"] is False
    assert AnalysisSnapshot.objects.get(study=world.study).computed_at == first.computed_at  # nothing recomputed

    report = FlawReport.objects.get(start=30)
    client.post(
        reverse("study-adjudicate-report", args=[world.study.pk, report.pk]), {"verdict": "valid", "planted_flaw": ""}
    )
    client.get(url)
    again = AnalysisSnapshot.objects.get(study=world.study)
    assert again.computed_at != first.computed_at and again.fingerprint != first.fingerprint


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


@pytest.mark.django_db(transaction=True)
def test_a_large_study_is_analysed_by_the_worker_with_progress(
    worker: WorkerProcess, researcher: User, contractor: User, other_contractor: User, settings: Any
) -> None:
    settings.REDLINE_ANALYSIS_INLINE_MAX_REVIEWS = 1  # this study counts as large
    world = _world(researcher, contractor, other_contractor)
    client = client_for(researcher)
    url = reverse("study-results", args=[world.study.pk])
    page = client.get(url).content.decode()
    assert "bringing the analysis up to date" in page and "<progress" in page
    assert client.get(f"/api/studies/{world.study.pk}/results/").status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        poll = client.get(url, headers={"HX-Request": "true"})
        if "HX-Refresh" in poll:
            break
        time.sleep(0.3)
    else:
        raise TimeoutError("the worker did not finish the analysis")
    snapshot = AnalysisSnapshot.objects.get(study=world.study)
    assert (snapshot.status, snapshot.progress) == ("done", 100)
    body = client.get(f"/api/studies/{world.study.pk}/results/").json()
    assert body["stale"] is False and body["reviews"] == 2
    assert "bringing the analysis up to date" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_an_arm_too_small_for_an_interval_still_shows(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = make_world(researcher, [contractor, other_contractor], items=2)
    world.study.design = "between"
    world.study.save(update_fields=["design"])
    submitted_review(world, contractor, "assisted", 0, [(4, 7)])
    submitted_review(world, other_contractor, "unassisted", 1, [])
    page = client_for(researcher).get(reverse("study-results", args=[world.study.pk]))
    assert page.status_code == 200 and "no interval" in page.content.decode()
