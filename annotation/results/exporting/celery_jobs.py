"""The export job as a Celery task (the worker imports this module by name; see config/celery.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

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
