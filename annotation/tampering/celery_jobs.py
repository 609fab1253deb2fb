"""Tampering's background work (the worker imports this module by name; see config/celery.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.tampering.testing import execute_tests


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3
)
def run_tamper_tests(tamper_id: int, version: str) -> str:
    """Run the item's tests on one version of a tamper (a newer version makes the result stale)."""
    return execute_tests(tamper_id, version)
