"""The worker's side of an export job: write every file, zip them, record progress.

A redelivered job (the worker died mid-way) starts again from nothing, in a folder of its own,
so a zip is never half of one attempt and half of another. A job whose worker still writes
progress is not taken over: only one whose heartbeat went quiet for STALE_AFTER (a long export
outlives the broker's visibility timeout, and Redis then delivers it again).
"""

from __future__ import annotations

import logging
import shutil
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from annotation.datasets.models import Item
from annotation.hooks.receivers import export_ready
from annotation.results.exporting.export import RELEASE, do_export, do_export_dataset
from annotation.results.exporting.tables import TABLES
from annotation.results.models import ExportJob, ExportStatus

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=5)


def exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def _total(job: ExportJob) -> int:
    if job.dataset is not None:
        return job.dataset.items.count()
    assert job.study is not None
    if job.format == RELEASE:
        return Item.objects.filter(studyitem__study=job.study).count()
    total = 0
    for name in job.tables or list(TABLES):
        source = TABLES[name][1](job.study)
        total += source.count() if isinstance(source, QuerySet) else 0  # generated tables grow the total as they go
    return total


def _advance(job_id: int, table: str, rows: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(
        rows_done=F("rows_done") + rows,
        rows_total=Greatest(F("rows_total"), F("rows_done") + rows),
        current=table,
        heartbeat_at=timezone.now(),
    )


def _zip(folder: Path, target: Path) -> int:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, arcname=path.name)  # streamed from disk in blocks
    return target.stat().st_size


def execute_export(job_id: int) -> str:
    now = timezone.now()
    claimable = Q(status=ExportStatus.QUEUED) | Q(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER), status=ExportStatus.RUNNING
    )
    claimed = ExportJob.objects.filter(claimable, pk=job_id).update(
        status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now, rows_done=0, error="", current=""
    )
    if not claimed:
        return "nothing to do"
    job = ExportJob.objects.select_related("study", "dataset").get(pk=job_id)
    attempt = uuid.uuid4().hex[:8]
    work = exports_dir() / f"job-{job.pk}-{attempt}"
    target = exports_dir() / f"job-{job.pk}-{attempt}.zip"
    try:
        job.rows_total = _total(job)
        job.save(update_fields=["rows_total"])
        on_rows = lambda table, rows: _advance(job.pk, table, rows)  # noqa: E731
        if job.dataset is not None:
            manifest = do_export_dataset(job.dataset, job.format, work, on_rows=on_rows)
        else:
            assert job.study is not None
            manifest = do_export(job.study, job.format, work, tables=job.tables or None, on_rows=on_rows)
        job.size_bytes = _zip(work, target)
    except Exception as exc:
        log.exception("export %s failed", job.pk)
        job.status, job.error, job.finished_at = ExportStatus.FAILED, f"{type(exc).__name__}: {exc}", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        target.unlink(missing_ok=True)
        return "failed"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    job.status, job.manifest, job.file = ExportStatus.DONE, manifest, str(target.relative_to(settings.MEDIA_ROOT))
    job.finished_at, job.current = timezone.now(), ""
    job.save(update_fields=["status", "manifest", "file", "size_bytes", "finished_at", "current"])
    export_ready(
        job.pk,
        job.requested_by_id,
        {"study": job.study_id, "dataset": job.dataset_id, "format": job.format, "size_bytes": job.size_bytes},
    )
    return "done"
