"""Export jobs: progress, failure, redelivery, access; and a whole study exported by a real worker process."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotation.datasets.models import Dataset
from annotation.results.exporting.export import do_export_dataset
from annotation.results.exporting.jobs import do_start_export
from annotation.results.exporting.runner import STALE_AFTER, execute_export
from annotation.results.models import ExportJob
from annotation.users import User
from assist.models import Critique
from tests.conftest import client_for
from tests.importing import import_bytes, jsonl
from tests.studies import World, make_world, submitted_review
from tests.workers import WorkerProcess


def _world(researcher: User, contractor: User, other_contractor: User) -> World:
    w = make_world(researcher, [contractor, other_contractor], items=2)
    submitted_review(w, contractor, "assisted", 0, [(4, 7), (20, 23)])
    submitted_review(w, other_contractor, "unassisted", 0, [(5, 9)])
    return w


def _zip_names(content: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(content)).namelist())


@pytest.mark.django_db
def test_a_job_counts_its_rows_writes_one_zip_and_a_second_delivery_does_nothing(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    job = do_start_export(
        researcher, "jsonl", study=world.study, tables=["flaw_reports", "reviews", "preference_pairs"]
    )
    assert (job.status, job.percent) == ("queued", 0)

    assert execute_export(job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 5, 5, 100)
    assert job.manifest["counts"] == {"flaw_reports": 3, "reviews": 2, "preference_pairs": 0}
    archive = zipfile.ZipFile(Path(settings.MEDIA_ROOT) / job.file)
    assert set(archive.namelist()) == {"flaw_reports.jsonl", "reviews.jsonl", "preference_pairs.jsonl", "manifest.json"}
    assert len(archive.read("flaw_reports.jsonl").splitlines()) == 3
    assert execute_export(job.pk) == "nothing to do"  # redelivered after it finished


@pytest.mark.django_db
def test_a_job_another_worker_is_still_writing_is_not_taken_over(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    job = do_start_export(researcher, "csv", study=world.study)
    ExportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())
    assert execute_export(job.pk) == "nothing to do"  # redelivered while the first worker is alive
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1))
    assert execute_export(job.pk) == "done"  # its worker went quiet: start again from nothing
    job.refresh_from_db()
    # 3 flaw reports + 2 reviews + 2 assignments + 2 items; no AI comments or pairs in this world
    assert job.rows_done == job.rows_total == 9 and job.status == "done"


@pytest.mark.django_db
def test_the_command_refuses_tables_with_the_one_file_format(
    researcher: User, contractor: User, other_contractor: User, tmp_path: Path
) -> None:
    world = _world(researcher, contractor, other_contractor)
    with pytest.raises(CommandError, match="--tables: the openai-critiques format is one file"):
        call_command(
            "export_study",
            str(world.study.pk),
            "--format",
            "openai-critiques",
            "--out",
            str(tmp_path),
            "--tables",
            "items",
        )
    assert not any(tmp_path.iterdir())


@pytest.mark.django_db
def test_a_failing_job_records_why_and_leaves_no_file(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    job = ExportJob.objects.create(requested_by=researcher, study=world.study, format="xml")
    assert execute_export(job.pk) == "failed"
    job.refresh_from_db()
    assert (
        job.status == "failed"
        and job.error == "ValueError: format: choose one of jsonl, csv, parquet, openai-critiques"
    )
    assert job.file == "" and not (Path(settings.MEDIA_ROOT) / "exports" / f"job-{job.pk}.zip").exists()


@pytest.mark.django_db
def test_bad_export_requests_name_the_field(
    researcher: User, admin_user: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    client = client_for(researcher)
    answer = client.post(
        "/api/exports/",
        {"study": world.study.pk, "format": "jsonl", "tables": ["nope"]},
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["tables"][0].startswith("unknown nope; choose from flaw_reports")
    answer = client.post(
        "/api/exports/",
        {"study": world.study.pk, "format": "openai-critiques", "tables": ["items"]},
        content_type="application/json",
    )
    assert answer.json() == {"tables": ["the openai-critiques format is one file; leave tables empty"]}
    answer = client.post("/api/exports/", {"format": "jsonl"}, content_type="application/json")
    assert answer.json() == {"study": ["give a study or a dataset, not both or neither"]}
    dataset = Dataset.objects.get()
    assert (
        client.post(
            "/api/exports/", {"dataset": dataset.pk, "format": "native"}, content_type="application/json"
        ).status_code
        == 403
    )
    answer = client_for(admin_user).post(
        "/api/exports/", {"dataset": dataset.pk, "format": "parquet"}, content_type="application/json"
    )
    assert answer.status_code == 400 and "format" in answer.json()
    page = client.post(reverse("study-export-start", args=[world.study.pk]), {"format": "xml"}, follow=True)
    assert "format: &#x27;xml&#x27; is not one of" in page.content.decode()
    assert not ExportJob.objects.exists()


PERSONAS = [
    ("researcher", 302, 200),
    ("admin_user", 302, 200),
    ("other_researcher", 404, 404),
    ("contractor", 403, 403),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "start", "see"), PERSONAS)
def test_only_the_studys_researcher_and_admins_export_it_and_only_they_see_the_job(
    persona: str, start: int, see: int, researcher: User, contractor: User, other_contractor: User,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    world = _world(researcher, contractor, other_contractor)
    mine = do_start_export(researcher, "csv", study=world.study)
    execute_export(mine.pk)
    client = client_for(request.getfixturevalue(persona))
    assert client.post(reverse("study-export-start", args=[world.study.pk]), {"format": "csv"}).status_code == start
    assert client.post(
        f"/api/studies/{world.study.pk}/export/", {"format": "csv"}, content_type="application/json"
    ).status_code == (202 if see == 200 else see)
    for url in (reverse("export-detail", args=[mine.pk]), reverse("export-download", args=[mine.pk]),
                f"/api/exports/{mine.pk}/", f"/api/exports/{mine.pk}/download/"):  # fmt: skip
        assert client.get(url).status_code == see, url
    listed = client.get("/api/exports/")
    assert listed.status_code == (403 if persona == "contractor" else 200)
    if listed.status_code == 200:
        assert (mine.pk in {job["id"] for job in listed.json()["results"]}) == (see == 200)
    assert ExportJob.objects.count() == (3 if see == 200 else 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [("admin_user", 302), ("researcher", 403), ("contractor", 403)])
def test_only_admins_export_whole_datasets(persona: str, status: int, request: pytest.FixtureRequest) -> None:
    import_bytes(jsonl({"kind": "summary", "context": "c", "response": "r"}), name="lib")
    dataset = Dataset.objects.get()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("dataset-export-start", args=[dataset.pk]), {"format": "native"}
    )
    assert response.status_code == status
    assert ExportJob.objects.filter(dataset=dataset).exists() == (status == 302)


@pytest.mark.django_db
def test_a_dataset_exported_in_the_native_format_imports_back_the_same(tmp_path: Path) -> None:
    row = {
        "id": "x1", "kind": "code", "context": "Add one.", "response": "def f(x):\n    return x + 2\n",
        "language": "python", "tests": "assert f(1) == 2", "metadata": {"source": "hand"},
        "flaws": [
            {"description": "adds two", "severity": "critical", "category": "bug", "line_start": 2, "line_end": 2}
        ],
        "critiques": [
            {"critic": "hand", "text": "Off by one.", "helpful": True, "score": 0.5, "metadata": {"k": 1},
             "comments": [{"comment": "adds 2", "quote": "x + 2", "severity": "major", "category": "bug"}]},
        ],
    }  # fmt: skip
    import_bytes(jsonl(row, {"kind": "summary", "context": "A long passage.", "response": "Short."}), name="one")
    manifest = do_export_dataset(Dataset.objects.get(name="one"), "native", tmp_path)
    assert manifest["counts"] == {"items": 2} and manifest["dataset"]["name"] == "one"
    import_bytes((tmp_path / "items.jsonl").read_bytes(), name="two")

    def content(name: str) -> list[object]:
        dataset = Dataset.objects.get(name=name)
        items = list(
            dataset.items.order_by("id").values_list("external_id", "kind", "context", "response", "tests", "metadata")
        )
        flaws = list(
            dataset.items.order_by("id").values_list(
                "planted_flaws__start", "planted_flaws__end", "planted_flaws__line_start", "planted_flaws__severity"
            )
        )
        critiques = list(
            Critique.objects.filter(item__dataset=dataset).values_list(
                "critic__name",
                "text",
                "helpful",
                "score",
                "metadata",
                "comments__quote",
                "comments__start",
                "comments__grounded",
            )
        )
        return [items, flaws, critiques]

    assert content("two") == content("one")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


def _wait_for(client: Client, job_id: int, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(f"/api/exports/{job_id}/").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise TimeoutError(f"export {job_id} did not finish")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_exports_a_study_from_the_page_and_from_the_api(
    worker: WorkerProcess, researcher: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    client = client_for(researcher)
    started = client.post(reverse("study-export-start", args=[world.study.pk]), {"format": "parquet"})
    job = ExportJob.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("export-detail", args=[job.pk])
    assert _wait_for(client, job.pk)["status"] == "done"
    page = client.get(reverse("export-detail", args=[job.pk])).content.decode()
    assert "Download zip" in page and "flaw_reports.parquet" in page and "<strong>100%</strong>" in page
    partial = client.get(reverse("export-detail", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert (
        partial.lstrip().startswith('<section id="progress"') and "hx-trigger" not in partial
    )  # finished: polling stops
    download = client.get(reverse("export-download", args=[job.pk]))
    names = _zip_names(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    assert {"flaw_reports.parquet", "reviews.parquet", "critique_pairs.parquet", "manifest.json"} <= names
    assert download["Content-Disposition"].endswith(f'redline-study-{world.study.pk}-parquet-{job.pk}.zip"')

    answer = client.post(
        f"/api/studies/{world.study.pk}/export/", {"format": "openai-critiques"}, content_type="application/json"
    )
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    body = _wait_for(client, answer.json()["id"])
    assert body["status"] == "done" and body["manifest"]["counts"] == {"openai-critiques": 2}  # type: ignore[index]
    content = b"".join(client.get(f"/api/exports/{body['id']}/download/").streaming_content)  # type: ignore[attr-defined]
    lines = zipfile.ZipFile(io.BytesIO(content)).read("openai-critiques.jsonl").decode().splitlines()
    assert [json.loads(line)["data"]["questions"][0]["answers"][0]["answer"] for line in lines] == [
        item.response for item in world.items
    ]


@pytest.mark.django_db
def test_chosen_tables_reach_the_job_from_the_page_and_a_form_encoded_api_call(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = _world(researcher, contractor, other_contractor)
    client = client_for(researcher)
    client.post(reverse("study-export-start", args=[world.study.pk]), {"format": "csv", "tables": ["reviews", "items"]})
    answer = client.post(
        f"/api/studies/{world.study.pk}/export/", {"format": "jsonl", "tables": ["flaw_reports", "items"]}
    )
    assert answer.status_code == 202
    assert list(ExportJob.objects.order_by("id").values_list("format", "tables")) == [
        ("csv", ["reviews", "items"]),
        ("jsonl", ["flaw_reports", "items"]),
    ]
