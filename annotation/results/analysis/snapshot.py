"""A study's analysis as stored: computed once per change of what it depends on, then served as is.

The fingerprint is everything the analysis reads that can change after launch (submitted reviews,
adjudications, skips, the match threshold, dropped items, the analysis code's version); when it
is unchanged, the stored payload is the answer. The payload holds what the results page, its CSV
and the API show, already in JSON form, so serving it computes nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from annotation.labeling.models import Review, ReviewStatus, Skip
from annotation.quality.exclusions import exclusion_state
from annotation.results.analysis.charts import bar_chart, histogram
from annotation.results.analysis.metrics import METRICS
from annotation.results.analysis.report import Results, results_dict, study_results
from annotation.results.models import Adjudication, AnalysisSnapshot, AnalysisStatus
from annotation.studies.models import Purpose, Study

# Bump when the analysis code changes what it computes: stored payloads are then recomputed.
ANALYSIS_VERSION = 2
CHARTS = (
    ("catch_rate", True),
    ("flaws_per_item", False),
    ("precision", True),
    ("active_s", False),
    ("catch_rate_critical", True),
    ("catch_rate_major", True),
    ("catch_rate_minor", True),
)
type Progress = Callable[[int, str], None]


def fingerprint(study: Study) -> str:
    reviews = Review.objects.filter(assignment__study=study, status=ReviewStatus.SUBMITTED).aggregate(
        n=Count("id"), last=Max("submitted_at")
    )
    verdicts = Adjudication.objects.filter(report__review__assignment__study=study).aggregate(
        n=Count("id"), last=Max("adjudicated_at")
    )
    parts = [
        ANALYSIS_VERSION,
        reviews["n"],
        str(reviews["last"]),
        verdicts["n"],
        str(verdicts["last"]),
        Skip.objects.filter(study=study).count(),
        study.match_threshold,
        len(study.dropped_items),
        study.seed,
        exclusion_state(study),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def submitted_reviews(study: Study) -> int:
    return Review.objects.filter(
        assignment__study=study, assignment__purpose=Purpose.TASK, status=ReviewStatus.SUBMITTED
    ).count()


def _by(items: list[dict[str, Any]], metric: str, arm: str) -> dict[str, Any] | None:
    return next((row for row in items if row["metric"] == metric and row["arm"] == arm), None)


def payload(results: Results) -> dict[str, Any]:
    """Everything the results page, CSV and API show, in JSON form."""
    data = results_dict(results)
    arms = results.arms
    estimates, differences, mixed = data["estimates"], data["differences"], data["mixed_effects"]
    assert isinstance(estimates, list) and isinstance(differences, list) and isinstance(mixed, list)
    table = []
    for metric, (_, _, label) in METRICS.items():
        cells = [_by(estimates, metric, arm) for arm in arms]
        if any(cells):
            table.append(
                {
                    "metric": metric,
                    "label": label,
                    "cells": [
                        [c, _by(differences, metric, a), _by(mixed, metric, a)]
                        for c, a in zip(cells, arms, strict=True)
                    ],
                }
            )
    frame = results.frame
    times = {str(arm): rows["active_s"].tolist() for arm, rows in frame.groupby("arm")} if not frame.empty else {}
    charts = [
        str(bar_chart(METRICS[m][2], [e for e in results.estimates if e.metric == m], percent=p)) for m, p in CHARTS
    ]
    return {
        "results": data | {"arms": arms},
        "table": table,
        "charts": charts,
        "time_chart": str(histogram("Active time per task", times)),
        "mixed_method": results.mixed[0].method if results.mixed else "",
    }


def compute(study: Study, print_: str, progress: Progress | None = None) -> AnalysisSnapshot:
    """Compute the analysis now and store it under `print_`, the fingerprint it was asked for."""
    started = time.perf_counter()
    results = study_results(study, progress=progress)
    body = payload(results)
    snapshot, _ = AnalysisSnapshot.objects.get_or_create(study=study)
    snapshot.fingerprint, snapshot.payload, snapshot.status = print_, body, AnalysisStatus.DONE
    snapshot.computed_at, snapshot.seconds = timezone.now(), time.perf_counter() - started
    snapshot.progress, snapshot.stage, snapshot.error = 100, "", ""
    if snapshot.pending_fingerprint == print_:
        snapshot.pending_fingerprint = ""
    snapshot.save()
    return snapshot
