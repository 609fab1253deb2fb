"""A run's bookkeeping in the worker: claiming it, its heartbeat, and its counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from assist.models import CritiqueRun, CritiqueRunItem, RunItemStatus, RunStatus


def refresh_counters(run_id: int) -> None:
    counts = dict(
        CritiqueRunItem.objects.filter(run_id=run_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    CritiqueRun.objects.filter(pk=run_id).update(
        done=counts.get(RunItemStatus.DONE, 0),
        failed=counts.get(RunItemStatus.FAILED, 0),
        heartbeat_at=timezone.now(),
    )


def stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.REDLINE_RUN_STALE_S)


def claim_run(run_id: int, worker: str) -> bool:
    """Take a queued run, or one whose worker stopped sending heartbeats. False: someone else has it."""
    now = timezone.now()
    fresh = CritiqueRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, cancel_requested=False)
    stale = CritiqueRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=stale_before())
    claimed = fresh.update(status=RunStatus.RUNNING, worker=worker, heartbeat_at=now, started_at=now)
    if not claimed:
        claimed = stale.update(worker=worker, heartbeat_at=now)
    return claimed == 1
