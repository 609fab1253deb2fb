"""The exported tables: their columns (the documented schema) and the rows, streamed in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, QuerySet

from annotation.models import Assignment, CommentJudgement, FlawReport, Item, Review, Study

CHUNK = 10_000


def _rows(queryset: QuerySet[Any], columns: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    # .iterator() on Postgres uses a server-side cursor: memory stays flat whatever the size.
    yield from queryset.values_list(*columns).iterator(chunk_size=CHUNK)


FLAW_REPORTS = {
    "id": "int", "review_id": "int", "assignment_id": "int", "item_id": "int", "arm": "str",
    "contractor": "str", "start": "int", "end": "int", "line_start": "int", "line_end": "int",
    "quote": "str", "description": "str", "severity": "str", "category": "str",
    "source_comment_id": "int", "edited": "bool", "created_at": "datetime",
    "verdict": "str", "planted_flaw_id": "int",
}  # fmt: skip
REVIEWS = {
    "id": "int", "assignment_id": "int", "item_id": "int", "arm": "str", "contractor": "str", "rating": "int",
    "free_text": "str", "status": "str", "critique_id": "int", "active_seconds": "float",
    "started_at": "datetime", "submitted_at": "datetime",
}  # fmt: skip
ASSIGNMENTS = {
    "id": "int", "item_id": "int", "arm": "str", "contractor": "str", "order": "int", "status": "str",
    "started_at": "datetime", "submitted_at": "datetime", "active_seconds": "float", "releases": "int",
}  # fmt: skip
AI_COMMENTS = {
    "id": "int", "review_id": "int", "comment_id": "int", "position": "int", "shown_text": "str",
    "shown_quote": "str", "shown_grounded": "bool", "shown_at": "datetime", "action": "str", "helpful": "bool",
}  # fmt: skip
ITEMS = {
    "id": "int", "dataset_id": "int", "external_id": "str", "kind": "str", "context": "str", "question": "str",
    "response": "str", "author": "str", "language": "str",
}  # fmt: skip


def flaw_report_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    queryset = (
        FlawReport.objects.filter(review__assignment__study=study)
        .order_by("id")
        .annotate(
            assignment_id=F("review__assignment_id"),
            item_id=F("review__assignment__item_id"),
            arm=F("review__assignment__arm__name"),
            contractor=F("review__assignment__contractor__username"),
            verdict=F("adjudication__verdict"),
            planted_flaw_id=F("adjudication__planted_flaw_id"),
        )
    )
    return _rows(queryset, FLAW_REPORTS)


def review_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    queryset = (
        Review.objects.filter(assignment__study=study)
        .order_by("id")
        .annotate(
            item_id=F("assignment__item_id"),
            arm=F("assignment__arm__name"),
            contractor=F("assignment__contractor__username"),
            active_seconds=F("assignment__active_seconds"),
            started_at=F("assignment__started_at"),
        )
    )
    return _rows(queryset, REVIEWS)


def assignment_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    queryset = (
        Assignment.objects.filter(study=study)
        .order_by("id")
        .annotate(arm_name=F("arm__name"), contractor_name=F("contractor__username"))
    )
    columns = {
        ("arm_name" if c == "arm" else "contractor_name" if c == "contractor" else c): t for c, t in ASSIGNMENTS.items()
    }
    return _rows(queryset, columns)


def ai_comment_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    return _rows(CommentJudgement.objects.filter(review__assignment__study=study).order_by("id"), AI_COMMENTS)


def item_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    return _rows(Item.objects.filter(studyitem__study=study).order_by("id"), ITEMS)


TABLES = {
    "flaw_reports": (FLAW_REPORTS, flaw_report_rows, "One row per flaw report, with its adjudication."),
    "reviews": (REVIEWS, review_rows, "One row per review (drafts included, with their status)."),
    "assignments": (ASSIGNMENTS, assignment_rows, "Every task: item, arm, contractor, order, timings."),
    "ai_comments": (AI_COMMENTS, ai_comment_rows, "Each AI comment as shown, and what the contractor did."),
    "items": (ITEMS, item_rows, "The study's items (no planted flaws: see the dataset export)."),
}
