"""Export jobs and large analyses as Celery tasks (the worker imports this module by name; see config/celery.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.results.analysis.worker import execute_analysis
from annotation.results.exporting.retention import do_expire_exports
from annotation.results.exporting.runner import execute_export


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def run_export(job_id: int) -> str:
    """Write one export job. A second delivery of a finished job finds nothing to do."""
    return execute_export(job_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def run_analysis(study_id: int, wanted: str) -> str:
    """Compute a large study's analysis for the fingerprint it was asked for, with progress."""
    return execute_analysis(study_id, wanted)


@shared_task
def expire_exports() -> int:
    """Delete export zips past the retention period (REDLINE_EXPORT_RETENTION_DAYS)."""
    return do_expire_exports()
