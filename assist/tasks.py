from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from assist.pipeline import execute_run
from assist.runs import requeue_stale_runs


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def run_critiques(self: Task[Any, Any], run_id: int) -> str:
    """Critique every pending item of a run. Idempotent: a second delivery finds nothing to claim."""
    return execute_run(run_id, self.request.hostname or "worker")


@worker_ready.connect
def resume_runs_of_dead_workers(**_: Any) -> None:
    requeue_stale_runs()
