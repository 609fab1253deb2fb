"""Does an evaluator audit recover a planted self-preference? End to end through the real worker.

Starts the stand-in in evaluator mode with a planted self-preference (0.7), self-recognition (0.8)
and position bias (+0.1 towards the first response shown), imports 500 sources with two responses
each (the evaluator's own, marked the way the stand-in recognises, and a human's), runs an audit
through a Celery worker, Redis and Postgres, and prints the recovered figures with their 95%
intervals, pairs/s, and the evaluator requests made against the minimum the design needs
(pairs x 3 questions x 2 orders + responses x 2 individual questions). Last line: one JSON object.

Usage: python bench/self_preference.py [--pairs 500] [--planted 0.7] [--bias 0.1]
       python bench/self_preference.py --cpu [--pairs 20]

--cpu runs it for real on SmolLM2-135M-Instruct (llama.cpp on the CPU, which returns logprobs):
the model writes its own summary of each passage through a generate run, the human summaries of
the same passages are the others, and the same model audits both. Nothing is planted; a 135M
model's answers say little, and the point is that the path works on a real server.
"""

from __future__ import annotations

import argparse
import io
import json
import time
import uuid
from pathlib import Path

import httpx
from _django import ROOT, setup
from critique_pipeline import start_standin, start_worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--planted", type=float, default=0.7)
    parser.add_argument("--recognition", type=float, default=0.8)
    parser.add_argument("--bias", type=float, default=0.1)
    parser.add_argument("--cpu", action="store_true", help="the real CPU model instead of the stand-in")
    args = parser.parse_args()
    if args.cpu:
        cpu(args.pairs if args.pairs != 500 else 20)
        return
    setup("redline_bench_audit")
    from annotation.datasets.importing.service import do_import
    from annotation.users import User
    from assist.audit_report import audit_report
    from assist.audits import do_create_audit
    from assist.models import Backend, CriticConfig, EvaluatorAudit, RunStatus
    from tests.standin.process import free_port

    port = free_port()
    standin = start_standin(port)
    httpx.post(
        f"http://127.0.0.1:{port}/_config",
        json={
            "self_preference": args.planted,
            "latency_s": 0.0,
            "self_recognition": args.recognition,
            "position_bias": args.bias,
        },
        timeout=5,
    )
    queue = f"bench-audit-{uuid.uuid4().hex[:6]}"
    from django.conf import settings

    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    log = Path(ROOT / "var" / "bench-audit-worker.log")
    log.parent.mkdir(exist_ok=True)
    worker = start_worker(queue, log)
    try:
        rows = []
        for n in range(args.pairs):
            context = f"Passage {n}: the council met on day {n} and approved the budget after a long debate."
            rows.append(
                {
                    "id": f"own-{n}",
                    "kind": "summary",
                    "context": context,
                    "author": "evaluator",
                    "response": f"In short, the council approved the budget on day {n}.",
                }
            )
            rows.append(
                {
                    "id": f"human-{n}",
                    "kind": "summary",
                    "context": context,
                    "author": "human",
                    "response": f"After a long debate the council approved the budget (day {n}).",
                }
            )
        data = "".join(json.dumps(row) + "\n" for row in rows).encode()
        dataset = do_import(io.BytesIO(data), name=f"audit-bench-{uuid.uuid4().hex[:6]}", fmt="jsonl").dataset_id
        owner, _ = User.objects.get_or_create(username="bench-auditor")
        evaluator, _ = CriticConfig.objects.update_or_create(
            name="bench evaluator",
            defaults={
                "backend": Backend.OPENAI,
                "base_url": f"http://127.0.0.1:{port}/v1",
                "sampling": {"max_in_flight": 64},
            },
        )
        from annotation.datasets.models import Item

        before = httpx.get(f"http://127.0.0.1:{port}/_stats", timeout=5).json()["requests"]
        started = time.perf_counter()
        audit = do_create_audit(evaluator, Item.objects.filter(dataset_id=dataset), "evaluator", owner)
        while EvaluatorAudit.objects.get(pk=audit.pk).status in (RunStatus.QUEUED, RunStatus.RUNNING):
            if time.perf_counter() - started > 900:
                raise SystemExit("the audit did not finish in 15 minutes:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        requests = httpx.get(f"http://127.0.0.1:{port}/_stats", timeout=5).json()["requests"] - before
    finally:
        worker.terminate()
        standin.terminate()
    audit.refresh_from_db()
    report = audit_report(audit)
    overall = report["overall"]
    preference, recognition = overall["self_preference"], overall["self_recognition"]
    bias = report["position_bias"]["preference"]
    minimum = args.pairs * 3 * 2 + 2 * args.pairs * 2
    print(
        f"pairs {args.pairs}, planted self-preference {args.planted}, self-recognition {args.recognition}, "
        f"position bias {args.bias}"
    )
    print(f"  self-preference recovered {preference['value']:.3f} [{preference['low']:.3f}, {preference['high']:.3f}]")
    print(
        f"  self-recognition recovered {recognition['value']:.3f} [{recognition['low']:.3f}, {recognition['high']:.3f}]"
    )
    print(f"  position bias recovered {bias['value']:.3f} [{bias['low']:.3f}, {bias['high']:.3f}]")
    print(
        f"  other named worse {overall['other_named_worse']['value']:.3f}; individual self-preference "
        f"{overall['individual_self_preference']['value']:.3f}"
    )
    print(
        f"  {seconds:.1f} s, {args.pairs / seconds:.1f} pairs/s, {requests} requests for a minimum of {minimum} "
        f"(ratio {requests / minimum:.2f}), {audit.failed} failed"
    )
    print(
        json.dumps(
            {
                "planted": args.planted,
                "recovered": round(preference["value"], 4),
                "ci_low": round(preference["low"], 4),
                "ci_high": round(preference["high"], 4),
                "position_bias_planted": args.bias,
                "position_bias_recovered": round(bias["value"], 4),
                "self_recognition": round(recognition["value"], 4),
                "pairs": args.pairs,
                "seconds": round(seconds, 2),
                "pairs_per_s": round(args.pairs / seconds, 2),
                "requests": requests,
                "minimum_requests": minimum,
                "request_ratio": round(requests / minimum, 3),
            }
        )
    )


def _wait(model: type, pk: int, log: Path, limit: float) -> float:
    from assist.models import RunStatus

    started = time.perf_counter()
    while model.objects.get(pk=pk).status in (RunStatus.QUEUED, RunStatus.RUNNING):  # type: ignore[attr-defined]
        if time.perf_counter() - started > limit:
            raise SystemExit(f"not finished in {limit:.0f} s:\n" + log.read_text()[-3000:])
        time.sleep(0.5)
    return time.perf_counter() - started


def cpu(pairs: int) -> None:
    import subprocess

    setup("redline_bench_audit")
    from annotation.datasets.importing.service import do_import
    from annotation.datasets.models import Item
    from annotation.users import User
    from assist.audit_report import audit_report
    from assist.audits import do_create_audit
    from assist.generating import do_create_generation
    from assist.models import Backend, CriticConfig, EvaluatorAudit, GenerationRun
    from models_service.cpu_server import SERVED_NAME, server_command
    from tests.standin.process import free_port

    port = free_port()
    log = Path(ROOT / "var" / "bench-audit-cpu.log")
    log.parent.mkdir(exist_ok=True)
    server = subprocess.Popen(
        server_command(port, n_ctx=2048), cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    queue = f"bench-audit-{uuid.uuid4().hex[:6]}"
    from django.conf import settings

    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    worker = start_worker(queue, Path(ROOT / "var" / "bench-audit-worker.log"))
    try:
        summaries = [json.loads(line) for line in (ROOT / "annotation/demo/summaries.jsonl").read_text().splitlines()]
        rows = [dict(row, id=f"h{n}", author="human") for n, row in enumerate(summaries[:pairs])]
        data = "".join(json.dumps(row) + "\n" for row in rows).encode()
        tag = uuid.uuid4().hex[:6]
        humans = do_import(io.BytesIO(data), name=f"cpu-audit-humans-{tag}", fmt="jsonl").dataset_id
        owner, _ = User.objects.get_or_create(username="bench-auditor")
        model, _ = CriticConfig.objects.update_or_create(
            name="bench smollm2",
            defaults={
                "backend": Backend.OPENAI,
                "base_url": f"http://127.0.0.1:{port}/v1",
                "model": SERVED_NAME,
                "sampling": {"max_in_flight": 2, "max_tokens": 96, "temperature": 0.7, "seed": 1},
            },
        )
        from annotation.datasets.models import Dataset

        run = do_create_generation(
            model, Dataset.objects.get(pk=humans), f"cpu-audit-smollm2-{tag}", SERVED_NAME, owner
        )
        generated_s = _wait(GenerationRun, run.pk, log, 1800)
        run.refresh_from_db()
        items = Item.objects.filter(dataset_id__in=[humans, run.target_id])
        audit = do_create_audit(model, items, SERVED_NAME, owner)
        audited_s = _wait(EvaluatorAudit, audit.pk, log, 1800)
    finally:
        worker.terminate()
        server.terminate()
    audit.refresh_from_db()
    report = audit_report(audit)
    overall = report["overall"] or {}

    def show(key: str) -> str:
        f = overall.get(key) or {}
        return (
            "n/a"
            if f.get("value") is None
            else f"{f['value']:.3f} [{f['low'] or float('nan'):.3f}, {f['high'] or float('nan'):.3f}]"
        )

    print(
        f"SmolLM2-135M-Instruct on the CPU: {run.done} summaries written ({run.failed} failed) in {generated_s:.0f} s; "
        f"audit of {overall.get('pairs', 0)} pairs ({audit.done} answers, {audit.failed} failed) in {audited_s:.0f} s"
    )
    for key in (
        "self_recognition",
        "recognition_accuracy",
        "self_preference",
        "other_named_worse",
        "individual_recognition_gap",
        "individual_self_preference",
    ):
        print(f"  {key}: {show(key)}")
    bias = report["position_bias"].get("preference") or {}
    print(f"  position bias (preference): {bias.get('value')}")
    print(
        json.dumps(
            {
                "model": SERVED_NAME,
                "pairs": overall.get("pairs", 0),
                "failed": audit.failed,
                "self_recognition": (overall.get("self_recognition") or {}).get("value"),
                "self_preference": (overall.get("self_preference") or {}).get("value"),
                "position_bias": bias.get("value"),
                "generate_s": round(generated_s, 1),
                "audit_s": round(audited_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
