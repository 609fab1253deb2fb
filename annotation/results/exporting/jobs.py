"""Export jobs: the request is checked and queued here; the worker writes it (see runner.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from annotation.datasets.models import Dataset
from annotation.results.celery_jobs import run_export
from annotation.results.exporting.export import EXPORT_FORMATS, RELEASE
from annotation.results.exporting.tables import TABLES
from annotation.results.models import ExportJob, ExportStatus
from annotation.studies.models import Study
from annotation.users import User

DATASET_FORMATS = ("native", RELEASE)


def check_export(dataset: Dataset | None, fmt: str, tables: list[str]) -> dict[str, str]:
    """What is wrong with an export request, by field; empty when it can go ahead."""
    formats = DATASET_FORMATS if dataset is not None else EXPORT_FORMATS
    problems = {}
    if fmt not in formats:
        problems["format"] = f"{fmt!r} is not one of {', '.join(formats)}"
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        problems["tables"] = f"unknown {', '.join(unknown)}; choose from {', '.join(TABLES)}"
    elif tables and fmt in (RELEASE, "native"):
        problems["tables"] = f"the {fmt} format is one file; leave tables empty"
    return problems


def do_start_export(
    user: User, fmt: str, *, study: Study | None = None, dataset: Dataset | None = None, tables: list[str] | None = None
) -> ExportJob:
    """Record the job and queue it once the row is committed (callers run check_export first)."""
    job = ExportJob.objects.create(requested_by=user, study=study, dataset=dataset, format=fmt, tables=tables or [])
    transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def finished_file(job: ExportJob) -> Path | None:
    """The zip of a finished export, if it is still on disk."""
    path = Path(settings.MEDIA_ROOT) / job.file
    return path if job.status == ExportStatus.DONE and job.file and path.is_file() else None


def download_name(job: ExportJob) -> str:
    subject = f"study-{job.study_id}" if job.study_id else f"dataset-{job.dataset_id}"
    return f"redline-{subject}-{job.format}-{job.pk}.zip"
