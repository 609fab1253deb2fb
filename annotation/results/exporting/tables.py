"""The exported tables: their columns (the documented schema) and the rows, streamed in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections
from django.db.models import F, Q, QuerySet

from annotation.comparing.exports import COMPARISON_PAIRS, COMPARISON_RATINGS, comparison_pairs, comparison_rating_rows
from annotation.crowd.models import Participant
from annotation.datasets.models import Item
from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.results.exporting.pairs import CRITIQUE_PAIRS, PAIRS, critique_pairs, preference_pairs
from annotation.studies.models import Assignment, CheckItem, Study, StudyItem

CHUNK = 10_000


def rows(source: QuerySet[Any] | Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # .iterator() on Postgres uses a server-side cursor: memory stays flat whatever the size.
    yield from source.iterator(chunk_size=CHUNK) if isinstance(source, QuerySet) else source


def json_lines_from_postgres(queryset: QuerySet[Any], columns: list[str]) -> Iterator[bytes]:
    """The rows as JSON Lines built by Postgres itself and streamed with COPY: the fast path for big exports.

    row_to_json escapes every control character, so with \x01 as the CSV quote and \x02 as the
    delimiter COPY passes each JSON document through untouched, one per line.
    """
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    names = ", ".join(f'"{c}"' for c in columns)
    query = f"SELECT row_to_json(t)::text FROM (SELECT * FROM ({sql}) AS q({names})) AS t"  # noqa: S608 - our own SQL
    with connections[queryset.db].cursor() as cursor:
        raw = cursor.cursor.connection.cursor()
        statement = raw.mogrify(query, params)
        with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')") as copy:
            for block in copy:
                yield bytes(block)


FLAW_REPORTS = {
    "id": "int", "review_id": "int", "assignment_id": "int", "item_id": "int", "arm": "str",
    "contractor": "str", "start": "int", "end": "int", "line_start": "int", "line_end": "int",
    "quote": "str", "description": "str", "severity": "str", "category": "str",
    "source_comment_id": "int", "edited": "bool", "created_at": "datetime",
    "verdict": "str", "planted_flaw_id": "int", "purpose": "str",
}  # fmt: skip
REVIEWS = {
    "id": "int", "assignment_id": "int", "item_id": "int", "arm": "str", "contractor": "str", "rating": "int",
    "free_text": "str", "status": "str", "critique_id": "int", "active_seconds": "float",
    "started_at": "datetime", "submitted_at": "datetime", "purpose": "str",
}  # fmt: skip
ASSIGNMENTS = {
    "id": "int", "item_id": "int", "arm": "str", "contractor": "str", "order": "int", "status": "str",
    "started_at": "datetime", "submitted_at": "datetime", "active_seconds": "float", "releases": "int",
    "purpose": "str", "check_score": "float", "too_fast": "bool",
}  # fmt: skip
PARTICIPANTS = {
    "contractor": "str", "platform": "str", "participant_id": "str", "external_study_id": "str", "session_id": "str",
    "joined_at": "datetime", "finished_at": "datetime", "outcome": "str",
}  # fmt: skip
AI_COMMENTS = {
    "id": "int", "review_id": "int", "comment_id": "int", "position": "int", "shown_text": "str",
    "shown_quote": "str", "shown_grounded": "bool", "shown_at": "datetime", "action": "str", "helpful": "bool",
    "purpose": "str",
}  # fmt: skip
ITEMS = {
    "id": "int", "dataset_id": "int", "external_id": "str", "kind": "str", "context": "str", "question": "str",
    "response": "str", "author": "str", "language": "str",
}  # fmt: skip


def flaw_reports(study: Study) -> QuerySet[Any]:
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
            purpose=F("review__assignment__purpose"),
        )
    )
    return queryset.values_list(*FLAW_REPORTS)


def reviews(study: Study) -> QuerySet[Any]:
    queryset = (
        Review.objects.filter(assignment__study=study)
        .order_by("id")
        .annotate(
            item_id=F("assignment__item_id"),
            arm=F("assignment__arm__name"),
            contractor=F("assignment__contractor__username"),
            active_seconds=F("assignment__active_seconds"),
            started_at=F("assignment__started_at"),
            purpose=F("assignment__purpose"),
        )
    )
    return queryset.values_list(*REVIEWS)


def assignments(study: Study) -> QuerySet[Any]:
    queryset = Assignment.objects.filter(study=study).order_by("id")
    return queryset.annotate(arm_name=F("arm__name"), contractor_name=F("contractor__username")).values_list(
        *[{"arm": "arm_name", "contractor": "contractor_name"}.get(c, c) for c in ASSIGNMENTS]
    )


def ai_comments(study: Study) -> QuerySet[Any]:
    judgements = CommentJudgement.objects.filter(review__assignment__study=study).order_by("id")
    return judgements.annotate(purpose=F("review__assignment__purpose")).values_list(*AI_COMMENTS)


def items(study: Study) -> QuerySet[Any]:
    studied = Q(pk__in=StudyItem.objects.filter(study=study).values("item_id"))
    checking = Q(pk__in=CheckItem.objects.filter(study=study).values("item_id"))
    return Item.objects.filter(studied | checking).order_by("id").values_list(*ITEMS)


def participants(study: Study) -> QuerySet[Any]:
    queryset = Participant.objects.filter(study=study).order_by("id").annotate(contractor=F("user__username"))
    return queryset.values_list(*PARTICIPANTS)


TABLES: dict[str, tuple[dict[str, str], Callable[[Study], QuerySet[Any] | Iterator[tuple[Any, ...]]], str]] = {
    "flaw_reports": (FLAW_REPORTS, flaw_reports, "One row per flaw report, with its adjudication."),
    "reviews": (REVIEWS, reviews, "One row per review (drafts included, with their status)."),
    "assignments": (ASSIGNMENTS, assignments, "Every task: item, arm, contractor, order, timings."),
    "ai_comments": (AI_COMMENTS, ai_comments, "Each AI comment as shown, and what the contractor did."),
    "items": (ITEMS, items, "The study's items and check items (no planted flaws: see the dataset export)."),
    "participants": (
        PARTICIPANTS,
        participants,
        "Crowd participants (e.g. Prolific): their platform ids, session, and how they finished.",
    ),
    "preference_pairs": (
        PAIRS,
        preference_pairs,
        "Accepted vs rejected AI comments of one review: (prompt, chosen, rejected).",
    ),
    "critique_pairs": (
        CRITIQUE_PAIRS,
        critique_pairs,
        "Helpful vs unhelpful critiques of one item, by human label or contractors' majority vote.",
    ),
    "comparison_ratings": (
        COMPARISON_RATINGS,
        comparison_rating_rows,
        "Comparison tasks: each critique's 1-7 ratings and CBI answers, with its source (never shown to contractors).",
    ),
    "comparison_pairs": (
        COMPARISON_PAIRS,
        comparison_pairs,
        "Comparison tasks as preference pairs: (prompt, chosen, rejected) from overall scores or the preference.",
    ),
}


COMPARISON_TABLES = ("comparison_ratings", "comparison_pairs")


def tables_for(study: Study) -> list[str]:
    """The tables an export of the study holds unless others are asked for: its task kind's own."""
    crowd = ["participants"] if Participant.objects.filter(study=study).exists() else []
    if study.task_kind in ("compare", "prefer"):
        return ["assignments", "items", *crowd, *COMPARISON_TABLES]
    return [name for name in TABLES if name not in (*COMPARISON_TABLES, "participants")] + crowd
