"""Does an evaluator audit recover a planted self-preference? End to end through the real worker.

Starts the stand-in in evaluator mode with a planted self-preference (0.7), self-recognition (0.8)
and position bias (+0.1 towards the first response shown), imports 500 sources with two responses
each (the evaluator's own, marked the way the stand-in recognises, and a human's), runs an audit
through a Celery worker, Redis and Postgres, and prints the recovered figures with their 95%
intervals, pairs/s, and the evaluator requests made against the minimum the design needs
(pairs x 3 questions x 2 orders + responses x 2 individual questions). Last line: one JSON object.

Usage: python bench/self_preference.py [--pairs 500] [--planted 0.7] [--bias 0.1]
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
