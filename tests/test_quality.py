"""The quality page: each contractor's figures, checked against independent computations; excluding a
contractor's reviews from the analysis and restoring them, recorded; bad input refused by field."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from django.urls import reverse
from statsmodels.stats.proportion import proportion_confint

from annotation.quality.models import Exclusion
from annotation.quality.report import study_quality
from annotation.results.analysis.report import study_results
from annotation.results.analysis.snapshot import fingerprint
from annotation.studies.models import Assignment
from annotation.users import User
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.studies import World, make_world, submitted_review

pytestmark = pytest.mark.django_db
CAUGHT, MISSED = [(4, 7)], [(20, 23)]


def _study(researcher: User) -> tuple[World, list[User]]:
    """Three contractors rate the same four items in one arm; planted flaw at 4-7 in each."""
    people = [UserFactory.create(role="contractor", username=name) for name in ("ann", "ben", "cai")]
    world = make_world(researcher, people, items=4)
    world.study.design = "within"
    world.study.save(update_fields=("design",))
    ratings = {"ann": [2, 3, 5, 6], "ben": [2, 3, 6, 6], "cai": [7, 1, 1, 4]}
    spans = {"ann": [CAUGHT, CAUGHT, CAUGHT, MISSED], "ben": [MISSED] * 4, "cai": [CAUGHT, MISSED, MISSED, MISSED]}
    for person in people:
        for item in range(4):
            review = submitted_review(world, person, "unassisted", item, spans[person.username][item])
            review.rating = ratings[person.username][item]
            review.save(update_fields=("rating",))
    Assignment.objects.filter(contractor=people[2], item=world.items[0]).update(active_seconds=4)
    return world, people


def _alpha(matrix: list[list[int]]) -> float:
    return float(krippendorff.alpha(reliability_data=np.array(matrix, dtype=float), level_of_measurement="ordinal"))


def test_each_contractors_figures_match_independent_computations(researcher: User) -> None:
    world, _ = _study(researcher)
    quality = study_quality(world.study)
    rows = {row.username: row for row in quality.rows}
    assert [(rows[n].reviews, rows[n].caught, rows[n].planted) for n in ("ann", "ben", "cai")] == [
        (4, 3, 4),
        (4, 0, 4),
        (4, 1, 4),
    ]
    low, high = proportion_confint(3, 4, alpha=0.05, method="wilson")
    assert (rows["ann"].catch_low, rows["ann"].catch_high) == pytest.approx((low, high))
    everyone = [[2, 3, 5, 6], [2, 3, 6, 6], [7, 1, 1, 4]]
    assert quality.alpha == pytest.approx(_alpha(everyone))
    for index, name in enumerate(("ann", "ben", "cai")):
        without = [row for n, row in enumerate(everyone) if n != index]
        assert rows[name].alpha_delta == pytest.approx(_alpha(everyone) - _alpha(without))
    assert rows["cai"].alpha_delta is not None and rows["cai"].alpha_delta < -0.3  # the others agree without cai
    assert quality.min_time_s == 22.5  # a quarter of the median 90 s
    assert (rows["cai"].fast_reviews, rows["ann"].fast_reviews) == (1, 0)
    assert rows["ann"].median_active_s == 90 and rows["ann"].skip_rate == 0


def test_excluding_a_contractor_changes_the_analysis_and_is_recorded_and_reversible(researcher: User) -> None:
    world, people = _study(researcher)
    client = client_for(researcher)
    before = fingerprint(world.study)
    assert study_results(world.study, draws=50).reviews == 12
    response = client.post(
        reverse("study-quality-exclude", args=[world.study.pk]),
        {"contractor": people[2].pk, "reason": "random ratings"},
    )
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert (exclusion.contractor, exclusion.excluded_by, exclusion.active) == (people[2], researcher, True)
    assert fingerprint(world.study) != before
    results = study_results(world.study, draws=50)
    assert (results.reviews, results.contractors) == (8, 2)
    page = client.get(reverse("study-results", args=[world.study.pk])).content.decode()
    assert "Excluded from this analysis" in page and "cai" in page and "random ratings" in page
    quality = client.get(reverse("study-quality", args=[world.study.pk])).content.decode()
    assert '<span class="badge warn" title="random ratings">excluded</span>' in quality
    assert "Restore" in quality and "History" in quality

    client.post(reverse("study-quality-restore", args=[world.study.pk, people[2].pk]))
    exclusion.refresh_from_db()
    assert exclusion.restored_by == researcher and not exclusion.active
    assert study_results(world.study, draws=50).reviews == 12
    assert (
        "Excluded from this analysis"
        not in client.get(reverse("study-results", args=[world.study.pk])).content.decode()
    )
    client.post(
        reverse("study-quality-exclude", args=[world.study.pk]), {"contractor": people[2].pk, "reason": "again"}
    )
    assert Exclusion.objects.filter(study=world.study).count() == 2  # the history keeps both


@pytest.mark.parametrize(
    ("contractor", "reason", "problem"),
    [
        ("", "r", "Choose a contractor"),
        ("abc", "r", "Choose a contractor"),
        ("²", "r", "Choose a contractor"),
        ("9" * 40, "r", "Choose a contractor"),
        ("999999", "r", "not enrolled"),
        ("ann", "   ", "Say why"),
        ("ann", "x" * 2001, "At most 2000"),
    ],
)
def test_bad_exclusions_are_refused_by_field(researcher: User, contractor: str, reason: str, problem: str) -> None:
    world, people = _study(researcher)
    value = str(people[0].pk) if contractor == "ann" else contractor
    response = client_for(researcher).post(
        reverse("study-quality-exclude", args=[world.study.pk]), {"contractor": value, "reason": reason}, follow=True
    )
    assert response.status_code == 200 and problem in response.content.decode()
    assert not Exclusion.objects.exists()


def test_excluding_twice_or_restoring_nobody_changes_nothing(researcher: User) -> None:
    world, people = _study(researcher)
    client = client_for(researcher)
    url = reverse("study-quality-exclude", args=[world.study.pk])
    client.post(url, {"contractor": people[0].pk, "reason": "r"})
    page = client.post(url, {"contractor": people[0].pk, "reason": "r"}, follow=True).content.decode()
    assert "already excluded" in page and Exclusion.objects.count() == 1
    restored = client.post(reverse("study-quality-restore", args=[world.study.pk, people[1].pk]), follow=True)
    assert "were not excluded" in restored.content.decode() and Exclusion.objects.get().active
