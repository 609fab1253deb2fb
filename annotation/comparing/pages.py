"""The researcher's view of a comparison study's results (page and API share the cached computation)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotation.comparing.analysis import comparison_results, results_dict
from annotation.comparing.models import Comparison, ComparisonStatus
from annotation.results.analysis.charts import bar_chart
from annotation.results.analysis.metrics import Estimate
from annotation.studies.models import Study

CACHE_S = 3600


def _fingerprint(study: Study) -> str:
    done = Comparison.objects.filter(assignment__study=study, status=ComparisonStatus.SUBMITTED).aggregate(
        n=Count("pk"), last=Max("submitted_at"), seen=Max("updated_at")
    )
    state = f"{study.pk}:{study.seed}:{done['n']}:{done['last']}:{done['seen']}"
    return "comparison-results:" + hashlib.sha256(state.encode()).hexdigest()


def current_results(study: Study) -> dict[str, Any]:
    """The results as a dict, computed once per state of the submitted comparisons."""
    key = _fingerprint(study)
    found = cache.get(key)
    if found is None:
        found = results_dict(comparison_results(study))
        cache.set(key, found, CACHE_S)
    return dict(found)


def _estimates(data: dict[str, Any], metric: str) -> list[Estimate]:
    nan = float("nan")
    return [
        Estimate(metric, e["source"], e["value"] if e["value"] is not None else nan,
                 e["low"] if e["low"] is not None else nan, e["high"] if e["high"] is not None else nan, 0, 0, e["n"])
        for e in data["estimates"] if e["metric"] == metric
    ]  # fmt: skip


def _elo_chart(data: dict[str, Any]) -> str:
    # Bars start at the lowest interval end, so the differences between critics are what one sees.
    rows = data["elo"]
    if not rows:
        return ""
    floor = min(r["low"] if r["low"] is not None else r["elo"] for r in rows) - 50
    nan = float("nan")
    shifted = [
        Estimate("elo", r["source"], r["elo"] - floor, (r["low"] - floor) if r["low"] is not None else nan,
                 (r["high"] - floor) if r["high"] is not None else nan, 0, 0, r["comparisons"])
        for r in rows
    ]  # fmt: skip
    return str(bar_chart(f"Elo above {floor:.0f} (95% interval)", shifted))


def comparison_results_page(request: HttpRequest, study: Study) -> HttpResponse:
    data = current_results(study)
    charts = [
        bar_chart(label, _estimates(data, metric), percent=metric in ("cbi", "hallucination", "nitpicks",
                                                                       "comprehensive", "refined_preferred"))
        for metric, label in (
            ("cbi", "Planted flaws included (CBI 5-7)"), ("hallucination", "Critiques with hallucinated problems"),
            ("nitpicks", "Critiques with nitpicks"), ("comprehensive", "Comprehensive critiques"),
            ("refined_preferred", "Refinement judged better"),
        )
    ]  # fmt: skip
    matrix = list(zip(data["win_rates"]["sources"], data["win_rates"]["matrix"], strict=True))
    context = {
        "study": study,
        "data": data,
        "elo_chart": _elo_chart(data),
        "charts": [chart for chart in charts if chart],
        "matrix": matrix,
    }
    return render(request, "annotation/compare_results.html", context)
