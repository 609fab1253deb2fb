"""A study's quality page: how each contractor works, beside the others.

Per enrolled contractor: submitted reviews, skips and skip rate, median active time, reviews faster
than the study's minimum-time check, the catch rate on planted flaws (the study's known answers)
with a Wilson 95% interval, and agreement: Krippendorff's alpha (ordinal) of the overall ratings of
items that two or more contractors rated, with everyone minus without this contractor (negative:
the others agree better without them); checks passed (gold and attention, see quality.checks) with a
Wilson 95% interval, reviews under the plan's minimum time, and their standing (qualified, warned,
paused). Every contractor is shown, excluded or not; check tasks never enter the other columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from django.db.models import Count
from statsmodels.stats.proportion import proportion_confint

from annotation.labeling.models import Skip
from annotation.quality.checks import Accuracy, accuracy, check_accuracy
from annotation.quality.models import Exclusion, Standing
from annotation.results.analysis.frame import study_frames
from annotation.studies.models import Assignment, Enrollment, Study

RATINGS = list(range(1, 8))
MIN_TIME_FLOOR_S = 10.0
MIN_TIME_SHARE = 0.25  # of the study's median active time


@dataclass
class ContractorQuality:
    contractor_id: int
    username: str
    reviews: int
    skips: int
    median_active_s: float | None
    fast_reviews: int
    planted: int
    caught: int
    catch_low: float | None
    catch_high: float | None
    alpha_delta: float | None
    exclusion: Exclusion | None
    checks: Accuracy
    too_fast: int
    standing: Standing | None

    @property
    def skip_rate(self) -> float | None:
        started = self.reviews + self.skips
        return self.skips / started if started else None

    @property
    def catch_rate(self) -> float | None:
        return self.caught / self.planted if self.planted else None

    @property
    def bar(self) -> tuple[float, float, float]:
        """The interval's left edge, width and point, in percent, for the page's inline plot."""
        if self.catch_low is None or self.catch_high is None or self.catch_rate is None:
            return 0.0, 0.0, 0.0
        return 100 * self.catch_low, 100 * (self.catch_high - self.catch_low), 100 * self.catch_rate

    @property
    def check_bar(self) -> tuple[float, float, float]:
        low, high, rate = self.checks.low, self.checks.high, self.checks.rate
        if low is None or high is None or rate is None:
            return 0.0, 0.0, 0.0
        return 100 * low, 100 * (high - low), 100 * rate


@dataclass
class StudyQuality:
    rows: list[ContractorQuality]
    min_time_s: float | None
    alpha: float | None
    exclusions: list[Exclusion]


def min_time_s(frame: pd.DataFrame) -> float | None:
    """A review faster than this is flagged: a quarter of the study's median, and never under 10 s."""
    if frame.empty:
        return None
    return max(MIN_TIME_FLOOR_S, MIN_TIME_SHARE * float(frame["active_s"].median()))


def _value_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Items x ratings 1-7: how many contractors gave each item each rating (items rated twice or more)."""
    rated = frame.dropna(subset=["rating"]).drop_duplicates(["contractor", "item"])
    counts = pd.crosstab(rated["item"], rated["rating"].astype(int)).reindex(columns=RATINGS, fill_value=0)
    return counts[counts.sum(axis=1) >= 2]


def _alpha(counts: np.ndarray) -> float | None:
    pairable = counts[counts.sum(axis=1) >= 2]
    if len(pairable) < 2 or np.count_nonzero(pairable.sum(axis=0)) < 2:
        return None
    value = float(krippendorff.alpha(value_counts=pairable, level_of_measurement="ordinal"))
    return None if math.isnan(value) else value


def alpha_contributions(frame: pd.DataFrame) -> tuple[float | None, dict[int, float | None]]:
    """Alpha of everyone, and per contractor alpha(everyone) - alpha(everyone but them)."""
    counts = _value_counts(frame)
    whole = _alpha(counts.to_numpy())
    if whole is None:
        return None, {}
    rated = frame.dropna(subset=["rating"]).drop_duplicates(["contractor", "item"])
    rated = rated[rated["item"].isin(counts.index)]
    deltas: dict[int, float | None] = {}
    for contractor, own in rated.groupby("contractor"):
        theirs = pd.crosstab(own["item"], own["rating"].astype(int)).reindex(
            index=counts.index, columns=RATINGS, fill_value=0
        )
        without = _alpha((counts - theirs).to_numpy())
        deltas[int(contractor)] = None if without is None else whole - without
    return whole, deltas


def _interval(caught: int, planted: int) -> tuple[float | None, float | None]:
    if not planted:
        return None, None
    low, high = proportion_confint(caught, planted, alpha=0.05, method="wilson")
    return float(low), float(high)


def study_quality(study: Study) -> StudyQuality:
    frame, units = study_frames(study, excluded=set())
    floor = min_time_s(frame)
    whole, deltas = alpha_contributions(frame)
    skips = dict(Skip.objects.filter(study=study).values_list("contractor_id").annotate(n=Count("id")))
    exclusions = list(Exclusion.objects.filter(study=study).select_related("contractor", "excluded_by", "restored_by"))
    checks = check_accuracy(study)
    standings = {s.contractor_id: s for s in Standing.objects.filter(study=study)}
    too_fast = dict(
        Assignment.objects.filter(study=study, too_fast=True).values_list("contractor_id").annotate(n=Count("id"))
    )
    active = {e.contractor_id: e for e in exclusions if e.active}
    rows = []
    enrolled = Enrollment.objects.filter(study=study).select_related("contractor").order_by("contractor__username")
    for enrolment in enrolled:
        cid = enrolment.contractor_id
        own = frame[frame["contractor"] == cid]
        own_units = units[units["contractor"] == cid]
        planted, caught = len(own_units), int(own_units["caught"].sum())
        low, high = _interval(caught, planted)
        rows.append(
            ContractorQuality(
                contractor_id=cid,
                username=enrolment.contractor.username,
                reviews=len(own),
                skips=skips.get(cid, 0),
                median_active_s=float(own["active_s"].median()) if len(own) else None,
                fast_reviews=int((own["active_s"] < floor).sum()) if floor is not None else 0,
                planted=planted,
                caught=caught,
                catch_low=low,
                catch_high=high,
                alpha_delta=deltas.get(cid),
                exclusion=active.get(cid),
                checks=checks.get(cid, accuracy(0, 0)),
                too_fast=too_fast.get(cid, 0),
                standing=standings.get(cid),
            )
        )
    return StudyQuality(rows, floor, whole, exclusions)
