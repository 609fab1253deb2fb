"""Critic configs and runs: pages and API, for every persona; nothing calls the critic in a request."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client

from annotation.users import User
from assist.models import Backend, CriticConfig, CritiqueRun, CritiqueRunItem, RunStatus
from tests.conftest import ROOT, client_for
from tests.factories import CriticConfigFactory, DatasetFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def critic() -> CriticConfig:
    return CriticConfig.objects.create(
        name="vllm-qwen",
        backend=Backend.OPENAI,
        base_url="http://critic:8000/v1",
        model="critic",
        prompt_version="v1",
        strategy="best_of_n",
        length_modifier=0.5,
        sampling={"n": 4},
    )


def test_contractors_cannot_reach_critics_runs_or_critiques(contractor_client: Client, critic: CriticConfig) -> None:
    run = CritiqueRun.objects.create(critic=critic)
    for url in (
        "/critics/",
        "/critics/new/",
        f"/critics/{critic.pk}/edit/",
        "/runs/",
        f"/runs/{run.pk}/",
        "/api/critics/",
        "/api/runs/",
        f"/api/runs/{run.pk}/",
        "/api/critiques/",
    ):
        assert contractor_client.get(url).status_code == 403, url
    for url in (
        "/runs/new/",
        f"/runs/{run.pk}/cancel/",
        f"/runs/{run.pk}/retry/",
        "/api/runs/",
        f"/api/runs/{run.pk}/cancel/",
    ):
        assert contractor_client.post(url).status_code == 403, url


def test_a_researcher_creates_and_edits_a_critic(researcher_client: Client, researcher: User) -> None:
    response = researcher_client.post(
        "/critics/new/",
        {
            "name": "qwen-bo8",
            "backend": "openai",
            "base_url": "http://critic:8000/v1",
            "model": "critic",
            "prompt_version": "v1",
            "strategy": "best_of_n",
            "length_modifier": "0.3",
            "n": "8",
            "temperature": "0.9",
            "max_tokens": "800",
            "seed": "",
            "max_in_flight": "128",
            "description": "",
        },
    )
    assert response.status_code == 302
    critic = CriticConfig.objects.get(name="qwen-bo8")
    assert critic.sampling == {"n": 8, "temperature": 0.9, "max_tokens": 800, "max_in_flight": 128}
    assert critic.created_by == researcher
    page = researcher_client.get(f"/critics/{critic.pk}/edit/").content.decode()
    assert 'value="8"' in page
    assert ">Imported from a file<" not in page


def test_imported_critics_are_not_editable_or_runnable(researcher_client: Client) -> None:
    imported = CriticConfigFactory.create(backend="imported")
    assert researcher_client.get(f"/critics/{imported.pk}/edit/").status_code == 403
    dataset = DatasetFactory.create()
    ItemFactory.create(dataset=dataset)
    response = researcher_client.post("/api/runs/", {"critic": imported.pk, "dataset": dataset.pk})
    assert response.status_code == 400
    assert "imported critic" in response.json()["detail"]


def test_starting_a_run_queues_it_with_one_row_per_item(researcher_client: Client, critic: CriticConfig) -> None:
    dataset = DatasetFactory.create()
    for n in range(3):
        ItemFactory.create(dataset=dataset, kind="code" if n else "summary", response=f"r{n}")
    response = researcher_client.post("/runs/new/", {"critic": critic.pk, "dataset": dataset.pk, "kind": "code"})
    run = CritiqueRun.objects.get()
    assert response["Location"] == f"/runs/{run.pk}/"
    assert (run.status, run.total) == (RunStatus.QUEUED, 2)
    assert CritiqueRunItem.objects.filter(run=run, status="pending").count() == 2
    page = researcher_client.get(f"/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    partial = researcher_client.get(f"/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="progress"')


def test_cancel_and_retry(researcher_client: Client, researcher: User, critic: CriticConfig) -> None:
    dataset = DatasetFactory.create()
    item = ItemFactory.create(dataset=dataset)
    run = CritiqueRun.objects.create(critic=critic, total=1, created_by=researcher)
    CritiqueRunItem.objects.create(run=run, item=item)
    researcher_client.post(f"/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested
    CritiqueRunItem.objects.filter(run=run).update(status="failed", error="HTTP 503")
    response = researcher_client.post(f"/api/runs/{run.pk}/retry/")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert CritiqueRunItem.objects.get(run=run).status == "pending"
    again = researcher_client.post(f"/api/runs/{run.pk}/retry/")
    assert again.status_code == 400


def test_the_execution_critic_refuses_items_without_tests(researcher_client: Client) -> None:
    execution = CriticConfigFactory.create(backend="execution")
    dataset = DatasetFactory.create()
    ItemFactory.create(dataset=dataset, kind="summary")
    response = researcher_client.post("/api/runs/", {"critic": execution.pk, "dataset": dataset.pk})
    assert response.status_code == 400
    assert "code items with tests" in response.json()["detail"]


def test_the_api_lists_critiques_with_comments(researcher: User) -> None:
    from tests.factories import CritiqueCommentFactory

    comment = CritiqueCommentFactory.create(quote="mat", comment="Wrong place.")
    client = client_for(researcher)
    body = client.get(f"/api/critiques/?item={comment.critique.item_id}").json()
    assert body["results"][0]["comments"][0]["comment"] == "Wrong place."


def test_serve_prints_the_vllm_command() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "models_service",
            "serve",
            "--model",
            "Qwen/Qwen2.5-7B-Instruct",
            "--max-num-seqs",
            "128",
            "--dry-run",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    line = result.stdout.strip()
    assert line.startswith("vllm serve Qwen/Qwen2.5-7B-Instruct --served-model-name critic")
    assert "--max-num-seqs 128" in line and "--gpu-memory-utilization 0.9" in line
    assert "--max-logprobs 20" in line


def test_a_run_whose_task_fails_after_claiming_goes_back_to_the_queue(
    critic: CriticConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from assist import pipeline

    run = CritiqueRun.objects.create(critic=critic, total=0)

    def broken(run_id: int) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(pipeline, "_work", broken)
    with pytest.raises(OperationalError):
        pipeline.execute_run(run.pk, "w1")
    run.refresh_from_db()
    assert (run.status, run.heartbeat_at) == (RunStatus.QUEUED, None)
    monkeypatch.undo()
    assert pipeline.execute_run(run.pk, "w2").startswith("done")
