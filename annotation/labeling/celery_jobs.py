"""The queue's periodic upkeep, run by Celery beat (config/settings.py CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from annotation.labeling.queue import do_expire_overdue, do_release_all_abandoned

log = logging.getLogger(__name__)


@shared_task
def release_abandoned_tasks() -> int:
    """Tasks started longer ago than their study's abandon_after_s go back to the pool."""
    released = do_release_all_abandoned()
    if released:
        log.info("released %d abandoned task(s)", released)
    return released


@shared_task
def expire_overdue_tasks() -> int:
    """Tasks past their study's per-task time limit go back to the pool."""
    expired = do_expire_overdue()
    if expired:
        log.info("took back %d task(s) past their time limit", expired)
    return expired
