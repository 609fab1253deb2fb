"""Comparison tables for exports: every rating with its critique's source, and preference pairs.

Pairs: within one submitted comparison, each critique with a higher overall score than another is
preferred to it (ties give no pair); for response comparisons, the response the preference leans
to (5-7 for B, 1-3 for A) is preferred. The prompt is the item's context, question and response.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any

from django.db.models import F, QuerySet

from annotation.comparing.models import Comparison, ComparisonStatus, CritiqueRating
from annotation.studies.models import Study

COMPARISON_RATINGS = {
    "comparison_id": "int",
    "assignment_id": "int",
    "item_id": "int",
    "contractor": "str",
    "position": "int",
    "candidate_id": "int",
    "source": "str",
    "source_kind": "str",
    "critique_id": "int",
    "missed_severe": "int",
    "nitpicks": "int",
    "hallucination": "int",
    "conciseness": "int",
    "overall": "int",
    "rationale": "str",
    "inclusions": "str",
    "status": "str",
    "submitted_at": "datetime",
}
COMPARISON_PAIRS = {
    "comparison_id": "int",
    "item_id": "int",
    "contractor": "str",
    "prompt": "str",
    "chosen": "str",
    "rejected": "str",
    "chosen_source": "str",
    "rejected_source": "str",
    "margin": "int",
}


def comparison_ratings(study: Study) -> QuerySet[Any]:
    ratings = CritiqueRating.objects.filter(comparison__assignment__study=study).order_by("comparison_id", "position")
    return ratings.annotate(
        assignment_id=F("comparison__assignment_id"),
        item_id=F("comparison__assignment__item_id"),
        contractor=F("comparison__assignment__contractor__username"),
        source=F("candidate__label"),
        source_kind=F("candidate__source"),
        critique_id=F("candidate__critique_id"),
        status=F("comparison__status"),
        submitted_at=F("comparison__submitted_at"),
    ).values_list(*[c if c != "inclusions" else "pk" for c in COMPARISON_RATINGS])


def comparison_rating_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    """The ratings with their CBI answers as 'flaw id: score' pairs."""
    from annotation.comparing.models import Inclusion

    answers: dict[int, list[str]] = {}
    for rating_id, flaw_id, score in Inclusion.objects.filter(rating__comparison__assignment__study=study).values_list(
        "rating_id", "flaw_id", "score"
    ):
        answers.setdefault(rating_id, []).append(f"{flaw_id}:{score if score is not None else ''}")
    index = list(COMPARISON_RATINGS).index("inclusions")
    for row in comparison_ratings(study).iterator(chunk_size=2000):
        yield (*row[:index], " ".join(answers.get(row[index], [])), *row[index + 1 :])


def _prompt(context: str, question: str, response: str) -> str:
    asked = f"\n\nQuestion: {question}" if question else ""
    return f"{context}{asked}\n\nResponse:\n{response}"


def comparison_pairs(study: Study) -> Iterator[tuple[Any, ...]]:
    comparisons = (
        Comparison.objects.filter(assignment__study=study, status=ComparisonStatus.SUBMITTED)
        .select_related("assignment__item", "assignment__contractor")
        .prefetch_related("ratings__candidate")
        .order_by("pk")
    )
    candidates = {c.pk: c for c in study.candidates.all()}
    for comparison in comparisons.iterator(chunk_size=500):
        item = comparison.assignment.item
        who = comparison.assignment.contractor.get_username() if comparison.assignment.contractor else ""
        if comparison.preference is not None and len(comparison.shown) == 2:
            if comparison.preference == 4:
                continue
            a, b = (candidates[pk] for pk in comparison.shown)
            chosen, rejected = (b, a) if comparison.preference > 4 else (a, b)
            prompt = _prompt(item.context, item.question, "")
            yield (
                comparison.pk,
                item.pk,
                who,
                prompt.rstrip(),
                chosen.text,
                rejected.text,
                chosen.label,
                rejected.label,
                abs(comparison.preference - 4),
            )
            continue
        prompt = _prompt(item.context, item.question, item.response)
        ratings = [r for r in comparison.ratings.all() if r.overall is not None]
        for x, y in combinations(ratings, 2):
            if x.overall == y.overall:
                continue
            better, worse = (x, y) if (x.overall or 0) > (y.overall or 0) else (y, x)
            yield (
                comparison.pk,
                item.pk,
                who,
                prompt,
                better.candidate.text,
                worse.candidate.text,
                better.candidate.label,
                worse.candidate.label,
                abs((x.overall or 0) - (y.overall or 0)),
            )
