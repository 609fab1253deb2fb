"""A large upload is imported by a real worker, not in the request, with a page that shows progress."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from annotation.datasets.models import ImportJob, Item
from annotation.users import User
from tests.conftest import client_for
from tests.importing import jsonl, summary_row
from tests.workers import WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


def _wait(job: ImportJob) -> ImportJob:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise TimeoutError(f"import {job.pk} still {job.status}")


def test_a_large_upload_goes_to_the_worker_from_the_page_and_the_api(
    worker: WorkerProcess, researcher: User, other_researcher: User, settings: Any
) -> None:
    settings.REDLINE_IMPORT_BACKGROUND_BYTES = 1_000  # this file counts as large
    data = jsonl(*(summary_row(response=f"Answer {n}.") for n in range(40)))
    client = client_for(researcher)
    page = client.post("/datasets/import/", {"name": "big", "format": "auto", "file": io.BytesIO(data)})
    job = ImportJob.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/imports/{job.pk}/"
    assert "Importing" in client.get(f"/imports/{job.pk}/").content.decode()
    job = _wait(job)
    assert (job.status, job.result["items"], job.percent) == ("done", 40, 100)
    assert Item.objects.filter(dataset__name="big").count() == 40
    assert "Open big" in client.get(f"/imports/{job.pk}/").content.decode()
    assert client_for(other_researcher).get(f"/imports/{job.pk}/").status_code == 404
    assert not list((Path(settings.MEDIA_ROOT) / "imports").glob("*.upload"))  # the upload is removed

    bad = jsonl(summary_row(), summary_row(kind="poem"))
    answer = Client()
    answer.force_login(researcher)
    body = answer.post("/api/datasets/import/", {"name": "bad", "file": io.BytesIO(bad * 20)}).json()
    failed = _wait(ImportJob.objects.get(pk=body["id"]))
    assert failed.status == "failed" and failed.errors[0]["field"] == "kind"
    assert not Item.objects.filter(dataset__name="bad").exists()
    assert answer.get(f"/api/imports/{failed.pk}/").json()["status"] == "failed"
