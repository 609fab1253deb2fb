"""Large imports as a Celery task (the worker imports this module by name; see config/celery.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.datasets.importing.background import execute_import


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def run_import(job_id: int) -> str:
    """Import one uploaded file; a second delivery of a started job finds nothing to do."""
    return execute_import(job_id)
