"""Labeling under load: N simulated contractors against Redline under gunicorn and Postgres.

Each contractor logs in, then loops: next task -> open the labeling page -> add 3 flaws ->
save the rating -> submit, until no task is left. Half the contractors are in the assisted
arm (each item has a 3-comment critique). Prints requests/s, p50 and p95 per endpoint, and
the number of assignments handed to more than one contractor (must be 0). The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
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


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEBUG": "0", "REDLINE_HTTPS": "0", "REDLINE_STATIC_MANIFEST": "0"}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "gthread", "--threads", "4", "--access-logfile", "/dev/null",
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


class Contractor:
    def __init__(self, base: str, username: str, timings: dict[str, list[float]], lock: threading.Lock) -> None:
        import httpx

        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.username = username
        self.timings = timings
        self.lock = lock
        self.tasks: list[int] = []

    def _timed(self, name: str, method: str, url: str, **kwargs: object) -> object:
        started = time.perf_counter()
        response = self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            raise RuntimeError(f"{name} {url}: {response.status_code} {response.text[:200]}")
        with self.lock:
            self.timings[name].append(elapsed)
        return response

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), "HX-Request": "true"}

    def log_in(self) -> None:
        self.http.get("/login/")
        data = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]}
        response = self.http.post("/login/", data=data)
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {self.username}: {response.status_code}")

    def work(self) -> None:
        while True:
            response = self._timed("next_task", "POST", "/tasks/next/", headers=self._csrf())
            location = response.headers["location"]  # type: ignore[attr-defined]
            match = re.fullmatch(r"/tasks/(\d+)/", location)
            if match is None:
                return
            task = int(match.group(1))
            self.tasks.append(task)
            self._timed("labeling_page", "GET", location)
            for n in range(3):
                flaw = {
                    "description": f"flaw {n}",
                    "severity": "major",
                    "category": "accuracy",
                    "start": n,
                    "end": n + 5,
                }
                self._timed("add_flaw", "POST", f"/tasks/{task}/flaws/", data=flaw, headers=self._csrf())
            self._timed("autosave", "POST", f"/tasks/{task}/draft/", data={"rating": "3"}, headers=self._csrf())
            self._timed("submit", "POST", f"/tasks/{task}/submit/", data={"rating": "3"}, headers=self._csrf())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contractors", type=int, default=50)
    parser.add_argument("--tasks-each", type=int, default=8)
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 2)))
    args = parser.parse_args()
    fresh_database()
    setup(DATABASE)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection

    from annotation.labeling.models import FlawReport, Review
    from annotation.studies.models import Assignment

    study = build_study(args.contractors, args.tasks_each)
    connection.close()
    port = free_port()
    log = ROOT / "var" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = start_gunicorn(port, args.workers, log)
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    people = [Contractor(f"http://127.0.0.1:{port}", f"bench{n:03d}", timings, lock) for n in range(args.contractors)]
    errors: list[str] = []
    try:
        for person in people:
            person.log_in()

        def run(person: Contractor) -> None:
            try:
                person.work()
            except Exception as exc:
                errors.append(f"{person.username}: {exc}")

        threads = [threading.Thread(target=run, args=(p,)) for p in people]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        raise SystemExit("errors:\n" + "\n".join(errors[:10]))
    handed = Counter(task for person in people for task in person.tasks)
    duplicates = sum(1 for count in handed.values() if count > 1)
    submitted = Assignment.objects.filter(study_id=study, status="submitted").count()
    requests = sum(len(values) for values in timings.values())
    figures = {
        "contractors": args.contractors,
        "tasks_submitted": submitted,
        "requests": requests,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(requests / elapsed, 1),
        "p50_ms": {name: round(percentile(v, 0.5), 1) for name, v in sorted(timings.items())},
        "p95_ms": {name: round(percentile(v, 0.95), 1) for name, v in sorted(timings.items())},
        "duplicate_assignments": duplicates,
        "reviews": Review.objects.filter(assignment__study_id=study).count(),
        "flaw_reports": FlawReport.objects.filter(review__assignment__study_id=study).count(),
        "gunicorn_workers": args.workers,
    }
    print(f"{submitted} tasks submitted by {args.contractors} contractors in {elapsed:.1f} s")
    for name in sorted(timings):
        print(f"  {name:14s} p50 {figures['p50_ms'][name]:7.1f} ms   p95 {figures['p95_ms'][name]:7.1f} ms")  # type: ignore[index]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
