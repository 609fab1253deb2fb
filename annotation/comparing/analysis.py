"""A comparison study's results: per critic (or critique source) CBI, hallucination, nitpick and
comprehensiveness rates with two-way cluster bootstrap intervals, Elo with intervals, win rates;
for response comparisons, the share preferring the refinement.

A scale answer of 5-7 counts as "yes" (4 is "unsure", 1-3 "no"):
- CBI: of the planted flaws shown with a critique, the share rated 5-7 (the critique included it);
- hallucination: the share of critiques rated 5-7 on "does it contain hallucinated problems?";
- nitpicks: the share rated 5-7 on "does it contain nitpicks?";
- comprehensive: the share rated 1-3 on "are there clear and severe problems it missed?".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, Sum

from annotation.comparing.elo import Rating, elo, pairs_of, win_rates
from annotation.comparing.models import CandidateSource, Comparison, ComparisonStatus, CritiqueRating
from annotation.results.analysis.metrics import Estimate, analyse
from annotation.studies.models import Study, TaskKind

COMPARISON_METRICS: dict[str, tuple[str, str | None, str]] = {
    "cbi": ("cbi_included", "cbi_rated", "Planted flaws included (CBI 5-7)"),
    "cbi_score": ("cbi_sum", "cbi_rated", "Mean CBI score (1-7)"),
    "hallucination": ("hallucinated", "one", "Critiques with hallucinated problems (5-7)"),
    "nitpicks": ("nitpicky", "one", "Critiques with nitpicks (5-7)"),
    "comprehensive": ("comprehensive", "one", "Comprehensive: no severe problem missed (1-3)"),
    "overall": ("overall", None, "Overall score (1-7)"),
}
RATES = frozenset({"cbi", "hallucination", "nitpicks", "comprehensive"})
PREFERENCE_METRICS: dict[str, tuple[str, str | None, str]] = {
    "refined_preferred": ("refined_better", "one", "Refinement judged better (5-7 for it)"),
    "preference": ("refined_score", None, "Preference for the refinement (1-7, 4 = equal)"),
}
YES = 5


@dataclass
class ComparisonResults:
    study: Study
    estimates: list[Estimate] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    win_rates: list[list[float | None]] = field(default_factory=list)
    comparisons: int = 0
    contractors: int = 0
    items: int = 0
    metrics: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)

    def estimate(self, metric: str, label: str) -> Estimate | None:
        return next((e for e in self.estimates if e.metric == metric and e.arm == label), None)


def rating_frame(study: Study) -> pd.DataFrame:
    """One row per rated critique of a submitted comparison."""
    rows = (
        CritiqueRating.objects.filter(
            comparison__assignment__study=study, comparison__status=ComparisonStatus.SUBMITTED
        )
        .annotate(
            cbi_rated=Count("inclusions", filter=Q(inclusions__score__isnull=False)),
            cbi_included=Count("inclusions", filter=Q(inclusions__score__gte=YES)),
            cbi_sum=Sum("inclusions__score"),
        )
        .values_list(
            "comparison_id",
            "comparison__assignment__contractor_id",
            "comparison__assignment__item_id",
            "candidate__label",
            "overall",
            "hallucination",
            "nitpicks",
            "missed_severe",
            "cbi_rated",
            "cbi_included",
            "cbi_sum",
        )
    )
    columns = [
        "comparison",
        "contractor",
        "item",
        "label",
        "overall",
        "hallucination",
        "nitpicks",
        "missed_severe",
        "cbi_rated",
        "cbi_included",
        "cbi_sum",
    ]
    frame = pd.DataFrame(list(rows), columns=columns)
    frame["arm"] = frame["label"]
    frame["one"] = 1.0
    frame["hallucinated"] = (frame["hallucination"] >= YES).astype(float)
    frame["nitpicky"] = (frame["nitpicks"] >= YES).astype(float)
    frame["comprehensive"] = (frame["missed_severe"] < 4).astype(float)
    frame["cbi_sum"] = frame["cbi_sum"].fillna(0).astype(float)
    return frame


def preference_frame(study: Study) -> pd.DataFrame:
    """One row per submitted response comparison: the preference turned towards the refinement."""
    rows = []
    comparisons = Comparison.objects.filter(assignment__study=study, status=ComparisonStatus.SUBMITTED)
    sources = dict(study.candidates.values_list("pk", "source"))
    labels = dict(study.candidates.values_list("pk", "label"))
    for comparison in comparisons.select_related("assignment"):
        if comparison.preference is None or len(comparison.shown) != 2:
            continue
        refined_second = sources.get(comparison.shown[1]) == CandidateSource.REFINED
        score = comparison.preference if refined_second else 8 - comparison.preference
        label = labels.get(comparison.shown[1] if refined_second else comparison.shown[0], "Refined")
        rows.append((comparison.pk, comparison.assignment.contractor_id, comparison.assignment.item_id, label, score))
    frame = pd.DataFrame(rows, columns=["comparison", "contractor", "item", "arm", "refined_score"])
    frame["one"] = 1.0
    frame["refined_better"] = (frame["refined_score"] >= YES).astype(float)
    return frame


def comparison_results(study: Study, *, draws: int = 1000) -> ComparisonResults:
    results = ComparisonResults(study)
    prefer = study.task_kind == TaskKind.PREFER
    frame = preference_frame(study) if prefer else rating_frame(study)
    results.metrics = PREFERENCE_METRICS if prefer else COMPARISON_METRICS
    if not frame.empty:
        rates = frozenset({"refined_preferred"}) if prefer else RATES
        results.estimates, _ = analyse(
            frame, control=None, draws=draws, seed=study.seed, design="within", table=results.metrics, rates=rates
        )
        if not prefer:
            pairs = pairs_of(frame)
            results.ratings = elo(pairs, draws=draws, seed=study.seed)
            results.labels = pairs.labels
            matrix = win_rates(pairs)
            results.win_rates = [[None if np.isnan(v) else float(v) for v in row] for row in matrix]
    results.comparisons = int(frame["comparison"].nunique()) if not frame.empty else 0
    results.contractors = int(frame["contractor"].nunique()) if not frame.empty else 0
    results.items = int(frame["item"].nunique()) if not frame.empty else 0
    return results


def results_dict(results: ComparisonResults) -> dict[str, Any]:
    def finite(value: float) -> float | None:
        return float(value) if np.isfinite(value) else None

    return {
        "study": results.study.pk,
        "task_kind": results.study.task_kind,
        "comparisons": results.comparisons,
        "contractors": results.contractors,
        "items": results.items,
        "method": __doc__,
        "estimates": [
            {
                "metric": e.metric,
                "label": results.metrics[e.metric][2],
                "source": e.arm,
                "value": finite(e.value),
                "low": finite(e.low),
                "high": finite(e.high),
                "n": e.reviews,
                "variance": e.variance,
            }
            for e in results.estimates
        ],
        "elo": [
            {
                "source": r.label,
                "elo": finite(r.elo),
                "low": finite(r.low),
                "high": finite(r.high),
                "comparisons": r.comparisons,
                "win_rate": finite(r.win_rate),
                "variance": r.variance,
            }
            for r in results.ratings
        ],
        "win_rates": {"sources": results.labels, "matrix": results.win_rates},
    }
