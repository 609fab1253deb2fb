"""The small interface through which annotation asks about critiques and hands them over.

assist owns every critic, critique and comment row: annotation writes none of them and reads
them only through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from annotation.datasets.models import Item
from annotation.users import User
from assist.demo import CPU_CRITIC, EXECUTION_CRITIC, start_demo_runs
from assist.imported import CriticNotImported, ImportedCritiques
from assist.models import (
    Backend,
    CriticConfig,
    Critique,
    CritiqueComment,
    CritiqueRun,
    CritiqueRunItem,
    RunItemStatus,
    RunStatus,
)
from assist.runs import RunRefused, do_create_run
from assist.signals import run_finished

__all__ = [
    "CPU_CRITIC",
    "EXECUTION_CRITIC",
    "NOTHING_FOUND",
    "CriticNotImported",
    "Critique",
    "ImportedCritiques",
    "RunRefused",
    "can_refine",
    "chosen_critique",
    "comment_labels",
    "critic_choices",
    "critique_label_counts",
    "critique_rows_for_items",
    "critique_spans_of_run",
    "critique_texts",
    "critiques_prefetch",
    "failed_critique_reasons",
    "generating_critic_ids",
    "items_in_active_runs",
    "items_missing_chosen_critique",
    "refined_texts",
    "refinement_gaps",
    "request_refinements",
    "run_finished",
    "run_status",
    "start_demo_runs",
    "start_run_for_items",
]


def items_missing_chosen_critique(critic_id: int, item_ids: list[int]) -> list[int]:
    """Items of `item_ids` that have no chosen critique by the critic."""
    have = set(
        Critique.objects.filter(critic_id=critic_id, item_id__in=item_ids, chosen=True).values_list(
            "item_id", flat=True
        )
    )
    return [item_id for item_id in item_ids if item_id not in have]


def items_in_active_runs(critic_id: int, item_ids: list[int]) -> set[int]:
    """Items of `item_ids` that a queued or running run of the critic is still working on."""
    return set(
        CritiqueRunItem.objects.filter(
            run__critic_id=critic_id,
            run__status__in=(RunStatus.QUEUED, RunStatus.RUNNING),
            item_id__in=item_ids,
            status=RunItemStatus.PENDING,
        ).values_list("item_id", flat=True)
    )


def failed_critique_reasons(critic_id: int, item_ids: list[int]) -> dict[int, str]:
    """Why the critic's latest attempt at each item failed, for the items whose latest attempt failed."""
    latest: dict[int, tuple[str, str]] = {}
    rows = (
        CritiqueRunItem.objects.filter(run__critic_id=critic_id, item_id__in=item_ids)
        .exclude(status=RunItemStatus.PENDING)
        .order_by("item_id", "run_id")
        .values_list("item_id", "status", "error")
    )
    for item_id, status, error in rows:
        latest[item_id] = (status, error)
    return {item_id: error or "failed" for item_id, (status, error) in latest.items() if status == RunItemStatus.FAILED}


def start_run_for_items(critic_id: int, item_ids: list[int], user: User | None, *, samples: int | None = None) -> int:
    """Start a run; `samples` asks for that many critiques per item whatever the critic's strategy."""
    critic = CriticConfig.objects.get(pk=critic_id)
    return do_create_run(critic, Item.objects.filter(pk__in=item_ids), user, samples=samples).pk


def run_status(run_id: int) -> str:
    return str(CritiqueRun.objects.values_list("status", flat=True).get(pk=run_id))


type SpanTuple = tuple[int | None, int | None, int | None, int | None]


def critique_spans_of_run(run_id: int, item_id: int) -> list[list[SpanTuple]]:
    """Per critique sample a run wrote for the item: its grounded comments' (start, end, line_start, line_end)."""
    spans: dict[int, list[SpanTuple]] = {}
    for critique_id in Critique.objects.filter(run_id=run_id, item_id=item_id, error="").values_list("pk", flat=True):
        spans[critique_id] = []
    rows = CritiqueComment.objects.filter(critique_id__in=list(spans), grounded=True).values_list(
        "critique_id", "start", "end", "line_start", "line_end"
    )
    for critique_id, *span in rows:
        spans[critique_id].append((span[0], span[1], span[2], span[3]))
    return [spans[key] for key in sorted(spans)]


def chosen_critique(critic_id: int, item_id: int) -> Critique | None:
    """The critique an assisted reviewer is shown, with its comments in order."""
    return (
        Critique.objects.filter(critic_id=critic_id, item_id=item_id, chosen=True).prefetch_related("comments").first()
    )


def critic_choices(ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """(id, name) of critics, all of them or those with the given ids, in id order."""
    critics = CriticConfig.objects.order_by("pk")
    if ids is not None:
        critics = critics.filter(pk__in=list(ids))
    return list(critics.values_list("pk", "name"))


def critique_label_counts(items: QuerySet[Item]) -> list[dict[str, Any]]:
    """Per critic, the critiques of these items and the human helpfulness labels they came with
    (imports such as the OpenAI helpfulness release carry one per critique)."""
    rows = (
        Critique.objects.filter(item__in=items)
        .values("critic__name")
        .annotate(
            critiques=Count("id"),
            labelled_helpful=Count("id", filter=Q(helpful=True)),
            labelled_not_helpful=Count("id", filter=Q(helpful=False)),
            unlabelled=Count("id", filter=Q(helpful__isnull=True)),
        )
        .order_by("critic__name")
    )
    return [dict(row) for row in rows]


def comment_labels(comment_ids: Iterable[int]) -> dict[int, bool]:
    """The human helpfulness label of each comment's critique, for the comments whose critique has one."""
    rows = CritiqueComment.objects.filter(pk__in=list(comment_ids), critique__helpful__isnull=False).values_list(
        "pk", "critique__helpful"
    )
    return {pk: bool(helpful) for pk, helpful in rows}


def critiques_prefetch(*, usable_only: bool = False, with_comments: bool = False) -> Prefetch[Any]:
    """Prefetch an item queryset's critiques with their critic, by critic and sample; usable_only
    leaves out failed samples, with_comments brings the comments in order."""
    critiques = Critique.objects.select_related("critic").order_by("critic_id", "sample_index")
    if usable_only:
        critiques = critiques.filter(error="")
    if with_comments:
        critiques = critiques.prefetch_related(
            Prefetch("comments", queryset=CritiqueComment.objects.order_by("position"))
        )
    return Prefetch("critiques", queryset=critiques)


def critique_rows_for_items(items: QuerySet[Item]) -> Iterator[tuple[Any, ...]]:
    """Every usable critique with text of the items, as (item id, critique id, text, helpful label,
    critic name, context, question, response), in item, critic and sample order."""
    return (
        Critique.objects.filter(item__in=items, error="")
        .exclude(text="")
        .order_by("item_id", "critic_id", "sample_index")
        .values_list(
            "item_id", "id", "text", "helpful", "critic__name", "item__context", "item__question", "item__response"
        )
        .iterator(chunk_size=2000)
    )


def critique_texts(critic_ids: Iterable[int], item_ids: Iterable[int]) -> dict[tuple[int, int], tuple[int, str]]:
    """(critic, item) -> (critique id, text) of the critique a comparison shows: the chosen one (a
    critique that found nothing reads "No problems found."), or where a critic chose none (imports
    such as a release's human critiques, one point per sample) every sample's points in order,
    under the first sample's id."""
    found: dict[tuple[int, int], tuple[int, str]] = {}
    parts: dict[tuple[int, int], list[str]] = {}
    rows = (
        Critique.objects.filter(critic_id__in=list(critic_ids), item_id__in=list(item_ids), error="")
        .order_by("critic_id", "item_id", "-chosen", "sample_index")
        .values_list("critic_id", "item_id", "id", "text", "chosen")
    )
    for critic_id, item_id, critique_id, text, chosen in rows:
        key = (critic_id, item_id)
        if key in found and found[key][0] < 0:
            continue  # a chosen critique was found first: it is the one
        if chosen:
            found[key] = (-critique_id, text.strip() or NOTHING_FOUND)
        elif text.strip():
            parts.setdefault(key, []).append(text.strip())
            found.setdefault(key, (critique_id, ""))
    return {
        key: (abs(critique_id), text if critique_id < 0 else _points(parts[key]))
        for key, (critique_id, text) in found.items()
    }


NOTHING_FOUND = "No problems found."


def _points(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else "\n".join(f"- {text}" for text in texts)


def generating_critic_ids(critic_ids: Iterable[int]) -> list[int]:
    """The critics of `critic_ids` that generate critiques (not imported ones)."""
    return list(
        CriticConfig.objects.filter(pk__in=list(critic_ids))
        .exclude(backend=Backend.IMPORTED)
        .values_list("pk", flat=True)
    )


def refined_texts(critic_id: int, item_ids: list[int]) -> dict[int, str]:
    from assist.refining import refined_texts as texts

    return texts(critic_id, item_ids)


def refinement_gaps(critic_id: int, item_ids: list[int]) -> tuple[list[int], int]:
    """(items with the critic's chosen critique but no refinement, refinements still being written)."""
    from assist.models import Refinement, RefinementStatus
    from assist.refining import stale_before

    have = dict(
        Refinement.objects.filter(critic_id=critic_id, item_id__in=item_ids)
        .exclude(status=RefinementStatus.FAILED)
        .exclude(status=RefinementStatus.PENDING, created_at__lt=stale_before())
        .values_list("item_id", "status")
    )
    critiqued = set(
        Critique.objects.filter(critic_id=critic_id, item_id__in=item_ids, chosen=True).values_list(
            "item_id", flat=True
        )
    )
    return [i for i in item_ids if i in critiqued and i not in have], sum(s == "pending" for s in have.values())


def request_refinements(critic_id: int, item_ids: list[int], user: User | None) -> list[int]:
    """Queue refinements; RunRefused when the critic cannot write them."""
    from assist.refining import RefineRefused, do_request_refinements

    try:
        return do_request_refinements(CriticConfig.objects.get(pk=critic_id), item_ids, user)
    except RefineRefused as exc:
        raise RunRefused(str(exc)) from exc


def can_refine(critic_id: int) -> bool:
    return CriticConfig.objects.filter(pk=critic_id, backend=Backend.OPENAI).exists()


def critic_endpoints() -> list[tuple[str, str, str]]:
    """(name, base URL, model) of every model-server critic: what the health check tries to reach."""
    critics = CriticConfig.objects.filter(backend=Backend.OPENAI).order_by("name")
    return [
        (c.name, c.base_url or settings.REDLINE_CRITIC_BASE_URL, c.model or settings.REDLINE_CRITIC_MODEL)
        for c in critics
    ]


def critique_stats(since: datetime) -> dict[str, Any]:
    """Critiques written since `since` with their latencies, and pending run items: for metrics."""
    recent = Critique.objects.filter(created_at__gte=since, run__isnull=False)
    written = recent.filter(error="")
    latencies = sorted(ms for ms in written.values_list("latency_ms", flat=True) if ms is not None)
    pending = CritiqueRunItem.objects.filter(
        status=RunItemStatus.PENDING, run__status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).count()
    return {
        "written": written.count(),
        "failed": recent.exclude(error="").count(),
        "latencies_ms": latencies,
        "pending": pending,
    }
