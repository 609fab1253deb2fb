"""Critique generation throughput through the real worker, Redis and Postgres.

Starts the stand-in critic (100 ms latency, at most 64 requests at once, like vLLM's
--max-num-seqs), runs a CritiqueRun over 2,000 items through a Celery worker process, and
prints critiques/s against the ideal 64 / 0.1 s = 640/s; then the same with 20% injected
faults, and the worker's CPU time per critique. The last line is one JSON object.
Each critique is one request here (critiqueability off), so the ideal is exact.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _django import ROOT, setup

LATENCY_S = 0.1
CONCURRENCY = 64


def start_standin(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.standin.server",
            "--port",
            str(port),
            "--latency-ms",
            str(LATENCY_S * 1000),
            "--max-concurrency",
            str(CONCURRENCY),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the stand-in did not start")


def start_worker(queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=threads",
            "--concurrency=2",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(4)  # worker start-up (imports Django)
    if process.poll() is not None:
        raise SystemExit(log.read_text())
    return process


def make_items(count: int) -> int:
    import io

    from annotation.datasets.importing.service import do_import

    rows = []
    for n in range(count):
        if n % 2:
            body = f"    total = 0\n    for x in xs:\n        if x > {n}:\n            total += x\n    return total\n"
            response = f"def f{n}(xs):\n{body}"
            rows.append({"id": f"c{n}", "kind": "code", "context": f"Sum the values above {n}.", "response": response})
        else:
            response = f"The council met {n} times. It voted to repair the bridge. The vote was close."
            rows.append(
                {
                    "id": f"s{n}",
                    "kind": "summary",
                    "context": "A long passage.",
                    "question": "What happened?",
                    "response": response,
                }
            )
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    return do_import(io.BytesIO(data), name="bench-critique-items", fmt="jsonl").dataset_id


def run_once(
    critic_id: int, dataset_id: int, timeout: float, item_ids: list[int] | None = None
) -> tuple[float, dict[str, int]]:
    from django.db.models import Count

    from annotation.datasets.models import Dataset
    from assist.models import CriticConfig, Critique, CritiqueRun, CritiqueRunItem, RunStatus
    from assist.runs import do_create_run

    critic = CriticConfig.objects.get(pk=critic_id)
    Critique.objects.filter(critic=critic).delete()
    started = time.perf_counter()
    items = Dataset.objects.get(pk=dataset_id).items.all()
    run = do_create_run(critic, items if item_ids is None else items.filter(pk__in=item_ids), None)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        status = CritiqueRun.objects.filter(pk=run.pk).values_list("status", flat=True).get()
        if status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    duplicated = (
        Critique.objects.filter(critic=critic)
        .values("item", "sample_index")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    lost = CritiqueRunItem.objects.filter(run=run, status="pending").count()
    assert run.started_at is not None and run.finished_at is not None
    pickup = (run.started_at - run.created_at).total_seconds()
    working = (run.finished_at - run.started_at).total_seconds()
    print(f"  run {run.pk}: picked up after {pickup:.3f} s, worked {working:.3f} s, total {elapsed:.3f} s")
    return elapsed, {"done": run.done, "failed": run.failed, "lost": lost, "duplicated": duplicated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue
    setup()
    import httpx
    import psutil

    from annotation.datasets.models import Dataset
    from assist.models import CriticConfig

    Dataset.objects.filter(name="bench-critique-items").delete()
    CriticConfig.objects.filter(name__startswith="bench-standin").delete()
    dataset_id = make_items(args.items)
    port = 18000 + os.getpid() % 1000
    standin = start_standin(port)
    critic = CriticConfig.objects.create(
        name=f"bench-standin-{port}",
        backend="openai",
        base_url=f"http://127.0.0.1:{port}/v1",
        model="critic",
        strategy="single",
        # Twice the server's batch size in flight, so its queue never runs dry while the worker parses
        # and stores results (vLLM queues requests beyond --max-num-seqs the same way).
        sampling={"max_in_flight": 2 * CONCURRENCY, "critiqueability": False, "timeout_s": 1.0},
    )
    log = Path("/tmp") / f"redline-bench-worker-{queue}.log"
    worker = start_worker(queue, log)
    ideal = CONCURRENCY / LATENCY_S
    try:
        # Warm the worker up (its first task pays for imports and connections), as a long-running worker is.
        first = list(Dataset.objects.get(pk=dataset_id).items.order_by("id").values_list("pk", flat=True)[:20])
        warm_critic = CriticConfig.objects.create(
            name=f"bench-standin-warm-{port}",
            backend="openai",
            base_url=critic.base_url,
            model="critic",
            strategy="single",
            sampling=critic.sampling,
        )
        run_once(warm_critic.pk, dataset_id, timeout=60, item_ids=first)
        cpu = psutil.Process(worker.pid)
        before = cpu.cpu_times()
        clean_s, clean = run_once(critic.pk, dataset_id, timeout=300)
        after = cpu.cpu_times()
        cpu_ms = ((after.user + after.system) - (before.user + before.system)) * 1000 / max(1, clean["done"])
        httpx.post(f"http://127.0.0.1:{port}/_config", json={"fault_rate": 0.2, "hang_s": 2.0})
        faulty_s, faulty = run_once(critic.pk, dataset_id, timeout=600)
    finally:
        CriticConfig.objects.filter(name__startswith="bench-standin-warm").delete()
        os.killpg(worker.pid, signal.SIGTERM)
        standin.terminate()
        worker.wait(timeout=30)
    rate = args.items / clean_s
    rate_faults = args.items / faulty_s
    figures = {
        "items": args.items,
        "critiques_per_s": round(rate, 1),
        "ideal_per_s": round(ideal),
        "ratio": round(rate / ideal, 3),
        "critiques_per_s_with_faults": round(rate_faults, 1),
        "ratio_with_faults": round(rate_faults / ideal, 3),
        "failed_with_faults": faulty["failed"],
        "lost": clean["lost"] + faulty["lost"],
        "duplicated": clean["duplicated"] + faulty["duplicated"],
        "worker_cpu_ms_per_critique": round(cpu_ms, 2),
    }
    print(
        f"clean:       {rate:7.1f} critiques/s in {clean_s:.2f} s  (ideal {ideal:.0f}/s, ratio {figures['ratio']:.3f})"
    )
    print(
        f"20% faults:  {rate_faults:7.1f} critiques/s in {faulty_s:.2f} s  (ratio {figures['ratio_with_faults']:.3f}; "
        f"{faulty['done']} done, {faulty['failed']} failed with a reason)"
    )
    print(f"worker CPU:  {cpu_ms:.2f} ms per critique; lost {figures['lost']}, duplicated {figures['duplicated']}")
    Dataset.objects.filter(name="bench-critique-items").delete()
    critic.delete()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
