"""The worker's side of a large import: read the kept upload through do_import, reporting progress."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.importing.service import do_import
from annotation.datasets.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)
REPORT_EVERY = 1 << 20


class _Counting:
    """Reports how far the import has read into the file (the gzip layer reads through it)."""

    def __init__(self, inner: IO[bytes], job_id: int) -> None:
        self.inner, self.job_id, self.pending = inner, job_id, 0

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self._count(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.inner.readline(size)
        self._count(len(data))
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def seek(self, offset: int, whence: int = 0) -> int:
        if offset == 0 and whence == 0:
            ImportJob.objects.filter(pk=self.job_id).update(bytes_done=0)
        return self.inner.seek(offset, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def _count(self, n: int) -> None:
        self.pending += n
        if self.pending >= REPORT_EVERY:
            ImportJob.objects.filter(pk=self.job_id).update(
                bytes_done=F("bytes_done") + self.pending, heartbeat_at=timezone.now()
            )
            self.pending = 0


def execute_import(job_id: int) -> str:
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return "nothing to do"
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    path = Path(settings.MEDIA_ROOT) / job.path
    try:
        with path.open("rb") as raw:
            result = do_import(
                _Counting(raw, job.pk),  # type: ignore[arg-type]  # reads like a binary file
                name=job.name, fmt=job.format, filename=job.filename, size=job.size, user=job.requested_by,
                description=job.description,
            )  # fmt: skip
    except ImportFailed as exc:
        errors = [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors]
        _finish(job, ImportStatus.FAILED, errors=errors)
        return "failed"
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _finish(job, ImportStatus.FAILED, errors=[{"line": 0, "field": "", "message": f"internal error: {exc!r}"}])
        return "failed"
    finally:
        path.unlink(missing_ok=True)
    _finish(job, ImportStatus.DONE, result=result.as_dict())
    return "done"


def _finish(
    job: ImportJob, status: str, *, result: dict[str, Any] | None = None, errors: list[Any] | None = None
) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, result=result or {}, errors=errors or [], finished_at=timezone.now(), bytes_done=job.size
    )
