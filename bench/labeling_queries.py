"""Queries and Python CPU per request of the people-shaped review flow, in process (no network, no
gunicorn): the figures that do not move with the machine's load, to compare code with code.

Each contractor does what bench/_open_loop.py's people do, without the pauses or breaks: next task,
then the labeling page, 0-3 flaws each followed by an autosave, the active-time flush, submit (which
answers with the next task's page). Prints queries and median CPU milliseconds per request by
endpoint, queries and CPU milliseconds per review; the last line is one JSON object. `--profile N`
prints cProfile's top N functions. Run it on two checkouts side by side (`git worktree add`) to
compare a change with its base.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import time
from collections import defaultdict

from _django import setup

DATABASE = "redline_bench_queries"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contractors", type=int, default=20)
    parser.add_argument("--tasks-each", type=int, default=6)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    args = parser.parse_args()
    import labeling_load

    labeling_load.DATABASE = DATABASE
    labeling_load.fresh_database()
    setup(DATABASE)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotation.users import User

    settings.ALLOWED_HOSTS = ["*"]
    labeling_load.build_study(args.contractors, args.tasks_each)
    profiler = cProfile.Profile() if args.profile else None
    rng = random.Random(1)
    queries: dict[str, list[int]] = defaultdict(list)
    cpu_ms: dict[str, list[float]] = defaultdict(list)
    cpu_s, reviews = 0.0, 0
    for n in range(args.contractors):
        client = Client()
        client.force_login(User.objects.get(username=f"bench{n:03d}"))

        def call(
            name: str, method: str, url: str, data: dict[str, object] | None = None, client: Client = client
        ) -> str:
            began = time.process_time()
            with CaptureQueriesContext(connection) as captured:
                response = getattr(client, method)(url, data or {})
            cpu_ms[name].append(1000 * (time.process_time() - began))
            queries[name].append(len(captured))
            return str(response.get("Location", ""))

        if profiler is not None:
            profiler.enable()
        where = call("next_task", "post", "/tasks/next/")
        while True:
            started = time.process_time()
            if not where.startswith("/tasks/") or where == "/tasks/" or "?" in where:
                break
            call("labeling_page", "get", where)
            for k in range(rng.randint(0, 3)):
                flaw = {
                    "description": f"flaw {k}",
                    "severity": "major",
                    "category": "accuracy",
                    "start": k,
                    "end": k + 5,
                }
                call("add_flaw", "post", f"{where}flaws/", flaw)
                call("autosave", "post", f"{where}draft/", {"rating": rng.randint(1, 7)})
            call("active_time", "post", f"{where}time/", {"seconds": 45})
            where = call("submit", "post", f"{where}submit/", {"rating": 3})  # answers with the next task
            cpu_s += time.process_time() - started
            reviews += 1
        if profiler is not None:
            profiler.disable()
    if profiler is not None:
        for order in ("tottime", "cumulative"):
            pstats.Stats(profiler).sort_stats(order).print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats("annotation/", args.profile)
    per_endpoint = {name: round(statistics.mean(counts), 2) for name, counts in sorted(queries.items())}
    total = sum(sum(counts) for counts in queries.values())
    for name, mean in per_endpoint.items():
        print(f"  {name:14s} {mean:5.2f} queries, {statistics.median(cpu_ms[name]):5.1f} ms CPU (median) per request")
    figures = {
        "reviews": reviews,
        "queries_per_request": per_endpoint,
        "median_cpu_ms_per_request": {name: round(statistics.median(ms), 2) for name, ms in sorted(cpu_ms.items())},
        "queries_per_review": round(total / max(1, reviews), 2),
        "python_cpu_ms_per_review": round(1000 * cpu_s / max(1, reviews), 1),
    }
    each = f"{figures['queries_per_review']} queries and {figures['python_cpu_ms_per_review']} ms CPU each"
    print(f"{reviews} reviews: {each}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
