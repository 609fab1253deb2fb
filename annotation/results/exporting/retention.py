"""Export zips are kept for REDLINE_EXPORT_RETENTION_DAYS; then the file goes and the job says so."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from annotation.results.models import ExportJob, ExportStatus

log = logging.getLogger(__name__)


def do_expire_exports() -> int:
    """Delete the zips of exports finished longer ago than the retention period; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.REDLINE_EXPORT_RETENTION_DAYS)
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff):
        # The job says "expired" before the file goes, so a download never finds a DONE job without its zip.
        if not ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(status=ExportStatus.EXPIRED):
            continue  # another sweep got it
        if job.file:
            (Path(settings.MEDIA_ROOT) / job.file).unlink(missing_ok=True)
        expired += 1
    if expired:
        log.info("deleted %d export zip(s) older than %d days", expired, settings.REDLINE_EXPORT_RETENTION_DAYS)
    return expired
