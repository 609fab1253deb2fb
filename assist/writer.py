"""The one writer of critique rows: run results and critiques that arrive with an import.

Run results flow from the worker's event loop to Postgres through one writer thread, in batches.
Writes are idempotent upserts on (item, critic, sample), so a re-delivered or resumed run
never duplicates a critique.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from annotation.bulk import insert_rows
from assist.models import CriticConfig, Critique, CritiqueComment, CritiqueRun, CritiqueRunItem, RunItemStatus
from assist.progress import refresh_counters
from models_service.critique import CommentDraft
from models_service.generate import ItemCritique

FLUSH_EVERY_S = 0.25
BATCH_MAX = 500
UPDATE_FIELDS = (
    "chosen",
    "text",
    "score",
    "critiqueability",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "raw_output",
    "error",
    "metadata",
    "run",
    "created_at",
)


def comment_row(comment: CommentDraft, position: int, kind: str) -> dict[str, object]:
    """A comment's columns; lines are kept for code, where reviewers point at lines."""
    anchor = comment.anchor
    lines = anchor is not None and kind == "code"
    return {
        "position": position,
        "quote": comment.quote,
        "comment": comment.comment,
        "severity": comment.severity,
        "category": comment.category,
        "grounded": anchor is not None,
        "start": anchor.start if anchor else None,
        "end": anchor.end if anchor else None,
        "line_start": anchor.line_start if lines and anchor else None,
        "line_end": anchor.line_end if lines and anchor else None,
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    run_item_id: int
    item_id: int
    kind: str
    result: ItemCritique | None
    error: str = ""
    attempts: int = 1


class ResultWriter(threading.Thread):
    def __init__(self, run: CritiqueRun) -> None:
        super().__init__(name=f"critique-run-{run.pk}-writer", daemon=True)
        self.run_id = run.pk
        self.critic: CriticConfig = run.critic
        self.inbox: queue.Queue[Outcome | None] = queue.Queue()
        self.cancelled = threading.Event()
        self.failure: BaseException | None = None

    def put(self, outcome: Outcome) -> None:
        self.inbox.put(outcome)

    def close(self) -> None:
        self.inbox.put(None)
        self.join()
        if self.failure is not None:
            raise self.failure

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # surfaced to the task by close()
            self.failure = exc
            self.cancelled.set()
        finally:
            connection.close()

    def _loop(self) -> None:
        closing = False
        while not closing:
            batch: list[Outcome] = []
            deadline = time.monotonic() + FLUSH_EVERY_S
            while len(batch) < BATCH_MAX:
                try:
                    outcome = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if outcome is None:
                    closing = True
                    break
                batch.append(outcome)
            close_old_connections()
            self.write(batch)

    def write(self, batch: list[Outcome]) -> None:
        now = timezone.now()
        with transaction.atomic():
            successes = [o for o in batch if o.result is not None]
            if successes:
                self._write_critiques(successes, now)
            _mark_finished(batch, now)
            refresh_counters(self.run_id)
        if CritiqueRun.objects.filter(pk=self.run_id, cancel_requested=True).exists():
            self.cancelled.set()

    def _write_critiques(self, outcomes: list[Outcome], now: datetime) -> None:
        item_ids = [o.item_id for o in outcomes]
        Critique.objects.filter(critic=self.critic, item_id__in=item_ids, chosen=True).update(chosen=False)
        by_length: dict[int, list[int]] = defaultdict(list)
        rows: list[Critique] = []
        comments: list[tuple[int, list[dict[str, object]]]] = []
        for outcome in outcomes:
            result = outcome.result
            assert result is not None
            by_length[len(result.samples)].append(outcome.item_id)
            for index, sample in enumerate(result.samples):
                rows.append(
                    Critique(
                        item_id=outcome.item_id,
                        critic=self.critic,
                        sample_index=index,
                        chosen=index == result.chosen,
                        text=sample.text,
                        score=sample.score,
                        critiqueability=result.critiqueability,
                        latency_ms=round(result.latency_s * 1000),
                        prompt_tokens=result.prompt_tokens if index == 0 else 0,
                        completion_tokens=sample.completion_tokens,
                        raw_output=sample.raw,
                        error=sample.error,
                        metadata={
                            "mean_logprob": sample.mean_logprob,
                            "rm_score": sample.rm_score,
                            "grounded_highlights": sample.grounded_highlights,
                            "attempts": outcome.attempts,
                            "notes": result.notes,
                        },
                        run_id=self.run_id,
                        created_at=now,
                    )
                )
                comments.append(
                    (len(rows) - 1, [comment_row(c, n, outcome.kind) for n, c in enumerate(sample.comments)])
                )
        for length, ids in by_length.items():  # samples left over from an earlier, larger run
            Critique.objects.filter(critic=self.critic, item_id__in=ids, sample_index__gte=length).delete()
        saved = Critique.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=("item", "critic", "sample_index"), update_fields=UPDATE_FIELDS
        )
        _ensure_pks(saved, self.critic)
        CritiqueComment.objects.filter(critique__in=[critique.pk for critique in saved]).delete()
        insert_rows(
            CritiqueComment,
            [{"critique_id": saved[row_index].pk, **row} for row_index, drafted in comments for row in drafted],
        )


def _mark_finished(batch: list[Outcome], now: datetime) -> None:
    if connection.vendor != "postgresql":
        finished = [
            CritiqueRunItem(pk=o.run_item_id, status=_status(o), error=_error(o), attempts=o.attempts, updated_at=now)
            for o in batch
        ]
        CritiqueRunItem.objects.bulk_update(finished, ["status", "error", "attempts", "updated_at"])
        return
    # One UPDATE joined to the batch as arrays: bulk_update's CASE per row and field cost more CPU
    # than everything else the worker does per critique.
    table = connection.ops.quote_name(CritiqueRunItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS r SET status = v.status, error = v.error, attempts = v.attempts, updated_at = %s
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::int[]) AS v(id, status, error, attempts)
                WHERE r.id = v.id""",  # noqa: S608 - the table name is ours
            [
                now,
                [o.run_item_id for o in batch],
                [str(_status(o)) for o in batch],
                [_error(o) for o in batch],
                [o.attempts for o in batch],
            ],
        )


def _ensure_pks(saved: list[Critique], critic: CriticConfig) -> None:
    """Backends that don't return ids from an upsert: look them up by the natural key."""
    missing = [critique for critique in saved if critique.pk is None]
    if not missing:
        return
    keys = Critique.objects.filter(critic=critic, item_id__in={c.item_id for c in missing}).values_list(
        "item_id", "sample_index", "pk"
    )
    ids = {(item_id, sample): pk for item_id, sample, pk in keys}
    for critique in missing:
        critique.pk = ids[(critique.item_id, critique.sample_index)]


def _status(outcome: Outcome) -> str:
    if outcome.result is None or outcome.result.chosen < 0:
        return RunItemStatus.FAILED
    return RunItemStatus.DONE


def _error(outcome: Outcome) -> str:
    if outcome.result is None:
        return outcome.error
    if outcome.result.chosen < 0:
        reasons = sorted({sample.error for sample in outcome.result.samples if sample.error})
        return "no usable critique: " + "; ".join(reasons)
    return ""
