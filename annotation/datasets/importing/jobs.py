"""Large uploads are imported by the worker: the file is kept under MEDIA_ROOT and queued here;
background.py reads it (the same do_import, whole or nothing) while the job's page shows progress."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotation.datasets.celery_jobs import run_import
from annotation.datasets.models import ImportJob
from annotation.users import User


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def runs_in_background(size: int | None) -> bool:
    return size is not None and size > settings.REDLINE_IMPORT_BACKGROUND_BYTES


def do_start_import(upload: UploadedFile[bytes], *, name: str, fmt: str, description: str, user: User) -> ImportJob:
    """Keep the upload on disk and queue the job once its row is committed."""
    imports_dir().mkdir(parents=True, exist_ok=True)
    path = imports_dir() / f"{uuid.uuid4().hex}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        requested_by=user, name=name, format=fmt, description=description, filename=upload.name or "",
        path=str(path.relative_to(settings.MEDIA_ROOT)), size=path.stat().st_size,
    )  # fmt: skip
    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job
