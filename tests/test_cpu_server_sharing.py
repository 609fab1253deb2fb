"""Two critique runs against one real llama.cpp server (SmolLM2-135M, one request at a time) share it
without a timeout: the client learns the server's parallelism and keeps the rest waiting in the
worker, where no request clock runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from annotation.users import User
from assist.models import Backend, CritiqueRun, CritiqueRunItem
from assist.pipeline import execute_run
from assist.runs import do_create_run
from tests.cpu_critic import SERVED_NAME, CpuCriticProcess
from tests.factories import CriticConfigFactory, DatasetFactory, ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)  # each run's writer thread has its own connection


@pytest.fixture
def cpu() -> Iterator[CpuCriticProcess]:
    server = CpuCriticProcess()
    yield server
    server.stop()


def test_two_runs_share_a_one_request_server_without_timeouts(researcher: User, cpu: CpuCriticProcess) -> None:
    # A 20 s request timeout: 2 runs x 5 items x 2 requests queued at once at ~2 s each would pass it.
    sampling = {"max_tokens": 48, "temperature": 0.7, "seed": 1, "max_in_flight": 8, "timeout_s": 20}
    critic = CriticConfigFactory.create(
        name="shared cpu",
        backend=Backend.OPENAI,
        base_url=cpu.url,
        model=SERVED_NAME,
        prompt_version="v2",
        sampling=sampling,
    )
    runs = []
    for name in ("first", "second"):
        dataset = DatasetFactory.create(name=name)
        for n in range(5):
            ItemFactory.create(
                dataset=dataset,
                kind="code",
                context=f"Return the sum of a and b ({name} {n}).",
                response=f"def add(a, b):\n    return a - b + {n}\n",
                content_hash=f"{name[0]}{n:063d}",
            )
        runs.append(do_create_run(critic, dataset.items.all(), researcher))
    threads = [threading.Thread(target=execute_run, args=(run.pk, f"worker-{run.pk}")) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    failed = list(CritiqueRunItem.objects.filter(run__in=runs).exclude(status="done").values_list("error", flat=True))
    assert failed == []
    # No request timed out and was tried again: every item took one attempt.
    assert set(CritiqueRunItem.objects.filter(run__in=runs).values_list("attempts", flat=True)) == {1}
    assert set(CritiqueRun.objects.filter(pk__in=[r.pk for r in runs]).values_list("status", flat=True)) == {"done"}
