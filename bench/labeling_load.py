"""Labeling under load against Redline under gunicorn and Postgres, in two modes.

Closed loop (saturation): N contractors with no think time do what people do (below) back to back
until their queues are empty: reviews/s at saturation (three runs of fresh contractors one after
another, the median reported with all three: one run's rate moves with the machine's neighbours).
Open loop (people): 500 more contractors arrive over a ramp and work as people do (bench/_open_loop.py:
reading, typing, autosaves between actions); p50/p95/p99 per endpoint in the steady state after the
ramp, and gunicorn's CPU milliseconds per review. Half the contractors are in the assisted arm (each
item has a 3-comment critique). Assignments handed to more than one contractor must be 0. The last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from _django import ROOT, setup

DATABASE = "redline_bench_labeling"
PASSWORD = "bench-password"


def fresh_database() -> None:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/redline")
    server = base.rpartition("/")[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def build_study(contractors: int, tasks_each: int) -> int:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from annotation.datasets.models import Dataset, Item, content_hash
    from annotation.studies.lifecycle import StudySpec, do_create_study, do_launch
    from annotation.studies.models import Enrollment, StudyItem
    from annotation.users import Role, User
    from assist.models import Backend, CriticConfig, Critique, CritiqueComment

    owner = User.objects.create(username="bench-researcher")
    group = Group.objects.get(name=Role.CONTRACTOR)
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(User(username=f"bench{n:03d}", password=password) for n in range(contractors))
    group.user_set.add(*users)
    users = list(User.objects.filter(pk__in=[user.pk for user in users]))  # with their roles as now stored
    dataset = Dataset.objects.create(name="bench items")
    items = Item.objects.bulk_create(
        Item(
            dataset=dataset,
            kind="summary",
            context=f"Passage {n}. " + "The committee met on Tuesday and approved the budget. " * 8,
            question="What did the committee decide?",
            response=f"Answer {n}: the committee rejected the budget on Monday after a long debate.",
            content_hash=content_hash("summary", str(n), "", ""),
        )
        for n in range(contractors * tasks_each // 2)
    )
    critic = CriticConfig.objects.create(name="bench critic", backend=Backend.IMPORTED)
    critiques = Critique.objects.bulk_create(
        Critique(item=item, critic=critic, chosen=True, text="three points", created_at=timezone.now())
        for item in items
    )
    CritiqueComment.objects.bulk_create(
        CritiqueComment(
            critique=critique, position=p, quote="rejected", start=22, end=30, grounded=True, comment=f"Point {p}"
        )
        for critique in critiques
        for p in range(3)
    )
    spec = StudySpec(name="labeling bench", datasets=[dataset], critic_ids=[critic.pk], contractors=users, seed=1)
    study = do_create_study(spec, owner)
    assert StudyItem.objects.filter(study=study).count() == len(items)
    assert Enrollment.objects.filter(study=study).count() == contractors
    do_launch(study)
    return study.pk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEBUG": "0", "REDLINE_HTTPS": "0", "REDLINE_STATIC_MANIFEST": "0"}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "gthread", "--threads", str(threads), "--access-logfile", "/dev/null",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    import httpx

    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn did not start; see {log}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def server_cpu_s(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by gunicorn's master and workers."""
    import psutil

    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def postgres_cpu_s() -> float:
    """CPU seconds used so far by the local Postgres server's processes (its backends do the queries)."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name", "username"]):
        if process.info["name"] == "postgres" or process.info["username"] == "postgres":
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
    return total


def closed_loop(base: str, usernames: list[str]) -> tuple[dict[str, object], list[int]]:
    """Every contractor at once, no think time, until their queues are empty: the saturation rate."""
    import asyncio

    from _open_loop import run_open_loop

    started = time.perf_counter()
    result = asyncio.run(run_open_loop(base, signed_in(usernames), 0.0, 3600.0, scale=0.0))
    elapsed = time.perf_counter() - started
    requests = sum(len(values) for values in result.timings.values())
    figures: dict[str, object] = {
        "contractors": len(usernames),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(requests / elapsed, 1),
        "reviews_per_s": round(result.submitted / elapsed, 2),
        "p50_ms": {name: round(percentile(v, 0.5), 1) for name, v in sorted(result.timings.items())},
        "p95_ms": {name: round(percentile(v, 0.95), 1) for name, v in sorted(result.timings.items())},
        "errors": len(result.errors),
    }
    if result.errors:
        print("closed-loop errors:\n  " + "\n  ".join(result.errors[:10]))
    return figures, result.handed


def signed_in(usernames: list[str]) -> dict[str, tuple[str, str]]:
    """A session cookie per contractor, made as a login would make it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from annotation.users import User

    cookies = {}
    for user in User.objects.filter(username__in=usernames):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        assert session.session_key is not None
        cookies[user.username] = (settings.SESSION_COOKIE_NAME, session.session_key)
    connection.close()
    return cookies


def open_loop(
    base: str, usernames: list[str], ramp_s: float, steady_s: float, server: subprocess.Popen[bytes], scale: float
) -> tuple[dict[str, object], list[int]]:
    import asyncio

    from _open_loop import run_open_loop

    cpu: list[float] = []

    def sample_cpu_at(delay: float) -> None:
        time.sleep(delay)
        cpu.append(server_cpu_s(server))

    marks = [threading.Thread(target=sample_cpu_at, args=(d,)) for d in (ramp_s, ramp_s + steady_s - 0.5)]
    for mark in marks:
        mark.start()
    result = asyncio.run(run_open_loop(base, signed_in(usernames), ramp_s, steady_s, scale))
    for mark in marks:
        mark.join()
    steady_reviews = max(1, result.submitted_steady)
    figures: dict[str, object] = {
        "contractors": len(usernames),
        "ramp_s": ramp_s,
        "steady_s": steady_s,
        "reviews_submitted": result.submitted,
        "steady_reviews_per_s": round(result.submitted_steady / steady_s, 2),
        "steady_requests_per_s": round(sum(len(v) for v in result.timings.values()) / steady_s, 1),
        "p50_ms": {name: round(percentile(v, 0.5), 1) for name, v in sorted(result.timings.items())},
        "p95_ms": {name: round(percentile(v, 0.95), 1) for name, v in sorted(result.timings.items())},
        "p99_ms": {name: round(percentile(v, 0.99), 1) for name, v in sorted(result.timings.items())},
        "server_cpu_ms_per_review": round(1000 * (cpu[1] - cpu[0]) / steady_reviews, 1) if len(cpu) == 2 else None,
        "errors": len(result.errors),
        "browser_retries": result.retried,
    }
    if result.errors:
        print("open-loop errors:\n  " + "\n  ".join(result.errors[:10]))
    return figures, result.handed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contractors", type=int, default=50, help="closed loop (saturation)")
    parser.add_argument("--tasks-each", type=int, default=8)
    parser.add_argument("--open-contractors", type=int, default=500)
    parser.add_argument("--ramp-s", type=float, default=60.0)
    parser.add_argument("--steady-s", type=float, default=120.0)
    parser.add_argument("--closed-runs", type=int, default=3, help="closed loops run one after another: the median")
    parser.add_argument("--mode", choices=("both", "closed", "open"), default="both")
    parser.add_argument("--think-scale", type=float, default=1.0, help="multiplies think times (1: people)")
    # One process more than cores: with keep-alive connections a process holds the clients it accepted,
    # and two processes on two cores left one idle while the other's threads queued on its GIL.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    args = parser.parse_args()
    fresh_database()
    setup(DATABASE)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection

    from annotation.studies.models import Assignment

    closed_n = args.contractors if args.mode != "open" else 0
    open_n = args.open_contractors if args.mode != "closed" else 0
    runs = max(1, args.closed_runs) if closed_n else 0
    study = build_study(closed_n * runs + open_n, args.tasks_each)
    connection.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = ROOT / "var" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = start_gunicorn(port, args.workers, args.threads, log)
    names = [f"bench{n:03d}" for n in range(closed_n * runs + open_n)]
    figures: dict[str, object] = {"gunicorn_workers": args.workers}
    handed: list[int] = []
    try:
        if closed_n:
            # On a shared machine one run's rate moves with its neighbours: several fresh runs, the median.
            closed_runs: list[dict[str, object]] = []
            for run in range(runs):
                cpu, db_cpu = server_cpu_s(server), postgres_cpu_s()
                before = Assignment.objects.filter(study_id=study, status="submitted").count()
                result, tasks = closed_loop(base, names[run * closed_n : (run + 1) * closed_n])
                reviews = max(1, Assignment.objects.filter(study_id=study, status="submitted").count() - before)
                result["server_cpu_ms_per_review"] = round(1000 * (server_cpu_s(server) - cpu) / reviews, 1)
                result["db_cpu_ms_per_review"] = round(1000 * (postgres_cpu_s() - db_cpu) / reviews, 1)
                closed_runs.append(result)
                handed += tasks
                print(f"closed loop {run + 1}/{runs}, {closed_n} contractors, no think time: {result}")
            rates = sorted(float(r["reviews_per_s"]) for r in closed_runs)  # type: ignore[arg-type]
            median = sorted(closed_runs, key=lambda r: float(r["reviews_per_s"]))[len(closed_runs) // 2]  # type: ignore[arg-type]
            errors = sum(int(r["errors"]) for r in closed_runs)  # type: ignore[call-overload]
            figures["closed"] = {**median, "errors": errors, "runs_reviews_per_s": rates}
        if open_n:
            figures["open"], tasks = open_loop(
                base, names[closed_n:], args.ramp_s, args.steady_s, server, args.think_scale
            )
            handed += tasks
            print(f"open loop, {open_n} contractors working as people do: {figures['open']}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    duplicates = sum(1 for count in Counter(handed).values() if count > 1)
    submitted = Assignment.objects.filter(study_id=study, status="submitted").count()
    opened: dict[str, object] = figures.get("open", {})  # type: ignore[assignment]
    closed: dict[str, object] = figures.get("closed", {})  # type: ignore[assignment]
    worst = max((v for v in (opened.get("p95_ms") or {}).values()), default=None)  # type: ignore[attr-defined]
    for mode in ("closed", "open"):
        for name, p95 in sorted((figures.get(mode, {}).get("p95_ms") or {}).items()):  # type: ignore[attr-defined]
            p50 = figures[mode]["p50_ms"][name]  # type: ignore[index]
            p99 = (figures[mode].get("p99_ms") or {}).get(name, "")  # type: ignore[attr-defined]
            print(f"  {mode:6s} {name:14s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99}")
    print(
        json.dumps(
            {
                **figures,
                "tasks_submitted": submitted,
                "open_loop_contractors": open_n,
                "open_loop_p95_ms": worst,
                "saturation_reviews_per_s": closed.get("reviews_per_s"),
                "server_cpu_ms_per_review": opened.get("server_cpu_ms_per_review"),
                "errors": int(closed.get("errors", 0)) + int(opened.get("errors", 0)),  # type: ignore[call-overload]
                "duplicate_assignments": duplicates,
            }
        )
    )


if __name__ == "__main__":
    main()
