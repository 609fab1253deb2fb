from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from assist.audit_worker import execute_audit
from assist.generate_worker import execute_generation
from assist.models import CritiqueRun, RunStatus
from assist.pipeline import execute_run
from assist.progress import stale_before
from assist.refine_worker import execute_refinements


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


@shared_task
def requeue_stale() -> list[int]:
    """The periodic form of requeue_stale_runs (Celery beat), for a worker that died while others ran on."""
    return requeue_stale_runs(queued_too=False)  # queued runs are in the broker already


def requeue_stale_runs(*, queued_too: bool = True) -> list[int]:
    """Runs whose worker died: hand them to the queue again (when a worker starts, and periodically).
    A starting worker also sends the queued runs, in case the broker lost them."""
    stale = list(
        CritiqueRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=stale_before()).values_list(
            "pk", flat=True
        )
    )
    queued = (
        list(CritiqueRun.objects.filter(status=RunStatus.QUEUED).values_list("pk", flat=True)) if queued_too else []
    )
    for run_id in stale + queued:
        run_critiques.delay(run_id)
    return stale


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3
)
def run_refinements(ids: list[int]) -> int:
    """Rewrite responses for the pending refinements of `ids` (done ones are left as they are)."""
    return execute_refinements(ids)


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3
)
def run_audit(audit_id: int) -> str:
    """Ask an evaluator every question of an audit (answered ones are kept)."""
    return execute_audit(audit_id)


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3
)
def run_generation(run_id: int) -> str:
    """Write a generate run's responses (a second delivery of a started run does nothing)."""
    return execute_generation(run_id)
