"""Critique runs through a real Celery worker process, real Redis and Postgres, and the stand-in critic."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db.models import Count
from django.test import Client

from annotation.datasets.models import Dataset, Item
from assist.models import Backend, CriticConfig, Critique, CritiqueComment, CritiqueRun, CritiqueRunItem, RunStatus
from assist.runs import do_cancel_run, do_create_run, do_retry_failed
from tests.factories import DatasetFactory, ItemFactory
from tests.standin.process import StandinProcess
from tests.workers import WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    server = StandinProcess()
    yield server
    server.stop()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def make_items(count: int) -> Dataset:
    dataset = DatasetFactory.create()
    for n in range(count):
        kind = "code" if n % 2 else "summary"
        response = (
            f"def f{n}(x):\n    if x > {n}:\n        return x - 1\n    return x\n"
            if kind == "code"
            else f"Item {n} says the harvest was good. The farmer sold {n} crates in town."
        )
        ItemFactory.create(
            dataset=dataset, kind=kind, response=response, context=f"Context {n}.", content_hash=f"{n:064d}"
        )
    return dataset


def critic_for(server: StandinProcess, **sampling: object) -> CriticConfig:
    return CriticConfig.objects.create(
        name=f"standin-{time.monotonic_ns()}",
        backend=Backend.OPENAI,
        base_url=server.url,
        model="critic",
        prompt_version="v1",
        sampling={"max_in_flight": 32, **sampling},
    )


def wait_until_finished(run: CritiqueRun, timeout: float = 90) -> CritiqueRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.DONE, RunStatus.CANCELLED, RunStatus.FAILED):
            return run
        time.sleep(0.2)
    raise TimeoutError(f"run {run.pk} still {run.status}: {run.done} done, {run.failed} failed of {run.total}")


def assert_no_duplicates(critic: CriticConfig) -> None:
    assert (
        not Critique.objects.filter(critic=critic)
        .values("item", "sample_index")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert (
        Critique.objects.filter(critic=critic, chosen=True)
        .values("item")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
        == 0
    )


def test_a_run_over_200_items_completes(standin: StandinProcess, start_worker: Callable[[], WorkerProcess]) -> None:
    dataset = make_items(200)
    critic = critic_for(standin)
    start_worker()
    run = wait_until_finished(do_create_run(critic, dataset.items.all(), None))
    assert (run.status, run.total, run.done, run.failed) == (RunStatus.DONE, 200, 200, 0)
    assert Critique.objects.filter(critic=critic).count() == 200
    assert Critique.objects.filter(critic=critic, chosen=True).count() == 200
    assert CritiqueComment.objects.filter(critique__critic=critic).exists()
    sample = Critique.objects.filter(critic=critic).first()
    assert sample is not None and sample.latency_ms is not None and sample.critiqueability is not None
    assert 0 < sample.critiqueability < 1
    assert CritiqueComment.objects.filter(critique__critic=critic, grounded=True).exists()
    assert CritiqueComment.objects.filter(critique__critic=critic, grounded=False).exclude(quote="").exists()
    code_comment = CritiqueComment.objects.filter(
        critique__critic=critic, critique__item__kind="code", grounded=True
    ).first()
    assert code_comment is not None and code_comment.line_start is not None
    assert_no_duplicates(critic)
    assert run.started_at is not None and run.finished_at is not None


def test_with_20_percent_faults_every_item_ends_done_or_failed_with_a_reason(
    standin: StandinProcess, start_worker: Callable[[], WorkerProcess]
) -> None:
    standin.configure(fault_rate=0.2, hang_s=3.0)
    dataset = make_items(200)
    critic = critic_for(standin, timeout_s=1.0)
    start_worker()
    run = wait_until_finished(do_create_run(critic, dataset.items.all(), None), timeout=150)
    assert run.done + run.failed == 200
    assert CritiqueRunItem.objects.filter(run=run, status="pending").count() == 0
    failed = CritiqueRunItem.objects.filter(run=run, status="failed")
    assert failed.count() == run.failed
    assert not failed.filter(error="").exists()
    assert run.done > 150
    # Malformed model output is stored as a failed critique with its raw text, never a crash.
    broken = Critique.objects.filter(critic=critic).exclude(error="")
    assert broken.exists()
    assert all(critique.raw_output for critique in broken)
    assert_no_duplicates(critic)
    assert Critique.objects.filter(critic=critic, chosen=True).count() == run.done
    faults = standin.stats()["faults"]
    assert len(faults) >= 6

    standin.configure(fault_rate=0.0)
    failed_before = run.failed
    assert do_retry_failed(run) == failed_before
    assert (run.status, run.failed) == (RunStatus.QUEUED, 0)
    run = wait_until_finished(run)
    assert (run.done, run.failed) == (200, 0)
    assert_no_duplicates(critic)


def test_a_worker_killed_mid_run_loses_nothing_and_a_new_worker_finishes(
    standin: StandinProcess, start_worker: Callable[[], WorkerProcess]
) -> None:
    standin.configure(latency_s=0.05, max_concurrency=8)
    dataset = make_items(200)
    critic = critic_for(standin)
    first = start_worker()
    run = do_create_run(critic, dataset.items.all(), None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.done >= 30:
            break
        time.sleep(0.05)
    first.kill()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and 30 <= run.done < 200
    done_before = run.done
    time.sleep(3.5)  # the run's heartbeat goes stale (REDLINE_RUN_STALE_S=3 in tests)
    start_worker()
    run = wait_until_finished(run)
    assert (run.status, run.done, run.failed) == (RunStatus.DONE, 200, 0)
    assert run.done > done_before
    assert Critique.objects.filter(critic=critic).count() == 200
    assert_no_duplicates(critic)


def test_a_second_delivery_of_a_finished_run_changes_nothing(
    standin: StandinProcess, start_worker: Callable[[], WorkerProcess]
) -> None:
    from assist.tasks import run_critiques

    dataset = make_items(10)
    critic = critic_for(standin)
    start_worker()
    run = wait_until_finished(do_create_run(critic, dataset.items.all(), None))
    before = list(Critique.objects.filter(critic=critic).values_list("pk", "text"))
    requests = standin.stats()["requests"]
    run_critiques.delay(run.pk)
    time.sleep(1.5)
    assert list(Critique.objects.filter(critic=critic).values_list("pk", "text")) == before
    assert standin.stats()["requests"] == requests


def test_contractor_pages_never_call_the_critic(
    standin: StandinProcess, contractor_client: Client, researcher_client: Client
) -> None:
    dataset = make_items(3)
    critic = critic_for(standin)
    item = Item.objects.filter(dataset=dataset).first()
    assert item is not None
    before = standin.stats()["requests"]
    for url in ("/", "/login/", f"/items/{item.pk}/", "/critics/", "/runs/"):
        contractor_client.get(url)
    researcher_client.post("/runs/new/", {"critic": critic.pk, "dataset": dataset.pk})
    assert standin.stats()["requests"] == before
    assert CritiqueRun.objects.filter(critic=critic).count() == 1


def test_an_fsbs_run_stores_every_candidate_and_chooses_one(
    standin: StandinProcess, start_worker: Callable[[], WorkerProcess]
) -> None:
    dataset = make_items(4)
    critic = critic_for(standin)
    critic.strategy = "fsbs"
    critic.length_modifier = 1.0
    critic.save(update_fields=("strategy", "length_modifier"))
    start_worker()
    run = wait_until_finished(do_create_run(critic, dataset.items.all(), None))
    assert (run.done, run.failed) == (4, 0)
    for item in dataset.items.all():
        samples = Critique.objects.filter(critic=critic, item=item)
        assert samples.count() == 28
        chosen = samples.get(chosen=True)
        assert chosen.score == max(s.score for s in samples if s.score is not None)
        assert chosen.text.startswith("> ")
    assert standin.stats()["by_path"]["completions"] == 4 * 7
    assert_no_duplicates(critic)


def test_a_cancelled_run_stops_without_waiting_for_the_requests_in_flight(
    standin: StandinProcess, start_worker: Callable[[], WorkerProcess]
) -> None:
    standin.configure(latency_s=60.0)  # every request would hold its slot for a minute
    dataset = make_items(8)
    critic = critic_for(standin, timeout_s=120, critiqueability=False, structured_output="json_schema", supports_n=True)
    start_worker()
    run = do_create_run(critic, dataset.items.all(), None)
    deadline = time.monotonic() + 30
    while run.status != RunStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
        run.refresh_from_db()
    time.sleep(1.0)  # the requests are in flight
    asked = time.monotonic()
    do_cancel_run(run)
    run = wait_until_finished(run, timeout=45)
    assert run.status == RunStatus.CANCELLED
    assert time.monotonic() - asked < 15  # not the minute each request would take
    assert CritiqueRunItem.objects.filter(run=run, status="pending").count() == 8
