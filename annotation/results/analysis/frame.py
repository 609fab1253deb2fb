"""One row per submitted review, with every count the metrics need, built in a constant number of queries.

Adjudication is applied here: a researcher's confirmed verdict and match win; where there is
none, a report counts as valid when it matches a planted flaw automatically (span overlap at
the study's threshold, or shared lines for code) and the row records how many reports relied
on the automatic match. A report that points nowhere (no span, no lines: "the response as a
whole", or an AI comment whose quote was not found) cannot be matched automatically: it
"needs adjudication" and is counted apart (`pending`), never as invalid, until a researcher decides.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
from django.db.models import Count, Q

from annotation.datasets.models import PlantedFlaw
from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.quality.exclusions import excluded_contractors
from annotation.results.matching import Span, placeable, propose
from annotation.results.models import Adjudication
from annotation.studies.models import Purpose, Study, StudyItem

SEVERITIES = ("critical", "major", "minor")
COLUMNS = [
    "review", "assignment", "contractor", "item", "arm", "arm_kind", "reported", "valid", "invalid", "nitpicks",
    "auto_judged", "pending", "judged", "planted", "caught", *(f"planted_{s}" for s in SEVERITIES),
    *(f"caught_{s}" for s in SEVERITIES),
    "ai_shown", "ai_accepted", "ai_rejected", "ai_nitpick", "ai_ungrounded", "ai_helpful", "ai_helpful_answered",
    "active_s", "rating",
]  # fmt: skip


def planted_by_item(study: Study) -> dict[int, dict[int, PlantedFlaw]]:
    items = StudyItem.objects.filter(study=study).values("item_id")
    planted: dict[int, dict[int, PlantedFlaw]] = defaultdict(dict)
    for flaw in PlantedFlaw.objects.filter(item_id__in=items):
        planted[flaw.item_id][flaw.pk] = flaw
    return planted


def report_matches(
    study: Study, planted: dict[int, dict[int, PlantedFlaw]]
) -> tuple[dict[int, tuple[str, int | None, bool]], dict[int, list[int]]]:
    """Per report: (verdict, matched planted flaw, confirmed?); and the reports of each review."""
    spans = {item: {pk: Span(f.start, f.end, f.line_start, f.line_end) for pk, f in flaws.items()}
             for item, flaws in planted.items()}  # fmt: skip
    adjudications = {
        a.report_id: a
        for a in Adjudication.objects.filter(
            report__review__assignment__study=study, report__review__status="submitted"
        )
    }
    result: dict[int, tuple[str, int | None, bool]] = {}
    by_review: dict[int, list[int]] = defaultdict(list)
    reports = FlawReport.objects.filter(
        review__assignment__study=study, review__assignment__purpose=Purpose.TASK, review__status="submitted"
    ).values_list(
        "pk", "review_id", "review__assignment__item_id", "review__assignment__item__kind",
        "start", "end", "line_start", "line_end",
    )  # fmt: skip
    for pk, review, item, kind, start, end, line_start, line_end in reports:
        by_review[review].append(pk)
        if pk in adjudications:
            adj = adjudications[pk]
            result[pk] = (adj.verdict, adj.planted_flaw_id, True)
            continue
        span = Span(start, end, line_start, line_end)
        if not placeable(span):
            result[pk] = ("pending", None, False)
            continue
        match = propose(span, spans.get(item, {}), code=kind == "code", threshold=study.match_threshold)
        result[pk] = ("valid" if match is not None else "unknown", match, False)
    return result, by_review


def study_frames(study: Study, *, excluded: set[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per submitted review; and one per (submitted review, planted flaw of its item): caught or not.
    Check tasks (gold, attention, qualification) are never in it; reviews of excluded contractors are
    left out (by default the study's exclusions; the quality page
    passes an empty set to see everyone)."""
    left_out = excluded_contractors(study) if excluded is None else excluded
    planted = planted_by_item(study)
    matches, by_review = report_matches(study, planted)
    judgements = {
        row["review_id"]: row
        for row in CommentJudgement.objects.filter(
            review__assignment__study=study, review__assignment__purpose=Purpose.TASK, review__status="submitted"
        )
        .values("review_id")
        .annotate(
            n_shown=Count("id"),
            n_accepted=Count("id", filter=Q(action="accepted")),
            n_rejected=Count("id", filter=Q(action="rejected")),
            n_nitpick=Count("id", filter=Q(action="nitpick")),
            n_ungrounded=Count("id", filter=Q(shown_grounded=False) & ~Q(shown_quote="")),
            n_helpful=Count("id", filter=Q(helpful=True)),
            n_answered=Count("id", filter=Q(helpful__isnull=False)),
        )
    }
    rows: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    reviews = (
        Review.objects.filter(assignment__study=study, assignment__purpose=Purpose.TASK, status="submitted")
        .exclude(assignment__contractor_id__in=left_out)
        .values_list(
            "pk", "assignment_id", "assignment__contractor_id", "assignment__item_id", "assignment__arm__name",
            "assignment__arm__kind", "assignment__active_seconds", "rating",
        )
    )  # fmt: skip
    for review, assignment, contractor, item, arm, kind, active_s, rating in reviews:
        verdicts = [matches[pk] for pk in by_review.get(review, [])]
        caught = {flaw for _, flaw, _ in verdicts if flaw is not None}
        flaws = planted.get(item, {})
        units.extend({"contractor": contractor, "unit": f, "arm": arm, "caught": int(f in caught)} for f in flaws)
        row: dict[str, Any] = {
            "review": review, "assignment": assignment, "contractor": contractor, "item": item, "arm": arm,
            "arm_kind": kind, "reported": len(verdicts), "valid": sum(v == "valid" for v, _, _ in verdicts),
            "invalid": sum(v in ("invalid", "unknown") for v, _, _ in verdicts),
            "nitpicks": sum(v == "nitpick" for v, _, _ in verdicts),
            "auto_judged": sum(not confirmed and v != "pending" for v, _, confirmed in verdicts),
            "pending": sum(v == "pending" for v, _, _ in verdicts),
            "judged": sum(v != "pending" for v, _, _ in verdicts),
            "planted": len(flaws), "caught": len(caught & set(flaws)),
        }  # fmt: skip
        for severity in SEVERITIES:
            ids = {pk for pk, f in flaws.items() if f.severity == severity}
            row[f"planted_{severity}"] = len(ids)
            row[f"caught_{severity}"] = len(ids & caught)
        j: dict[str, Any] = dict(judgements.get(review, {}))
        row |= {
            "ai_shown": j.get("n_shown", 0), "ai_accepted": j.get("n_accepted", 0),
            "ai_rejected": j.get("n_rejected", 0), "ai_nitpick": j.get("n_nitpick", 0),
            "ai_ungrounded": j.get("n_ungrounded", 0), "ai_helpful": j.get("n_helpful", 0),
            "ai_helpful_answered": j.get("n_answered", 0),
            "active_s": active_s, "rating": rating,
        }  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(units, columns=["contractor", "unit", "arm", "caught"])
