"""Export speed and memory: 1,000,000 flaw reports as JSONL through export_study, against Postgres COPY TO.

Fills its own database with a study of 20,000 reviews x 50 flaw reports, runs
`manage.py export_study --format jsonl --tables flaw_reports` in a child process (its peak
RSS is the export's memory), and in the same run copies the same joined rows out with
`COPY (SELECT ...) TO STDOUT`. Then times the full analysis (frame, bootstrap, regression,
agreement) of a study with 200 contractors, 2,000 items and 3 arms, with one and with two reviews
per item and arm, and the results page once that analysis is stored. The last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _django import ROOT, setup

DATABASE = "redline_bench_export"


def fresh_database() -> None:
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/redline").rpartition("/")[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def make_study(name: str, contractors: int, items: int, arms: int, reviews: int = 1) -> object:
    from django.contrib.auth.models import Group

    from annotation.datasets.models import Dataset, Item, content_hash
    from annotation.studies.models import Arm, Assignment, Study, StudyItem
    from annotation.users import Role, User

    owner, _ = User.objects.get_or_create(username="bench-owner")
    users = User.objects.bulk_create(User(username=f"{name}-c{n}") for n in range(contractors))
    Group.objects.get(name=Role.CONTRACTOR).user_set.add(*users)
    dataset = Dataset.objects.create(name=f"{name} items")
    made = Item.objects.bulk_create(
        Item(dataset=dataset, kind="summary", context=f"passage {n}", response="The committee rejected the budget.",
             content_hash=content_hash("summary", name, str(n), ""))
        for n in range(items)
    )  # fmt: skip
    study = Study.objects.create(name=name, owner=owner, status="running", design="within", seed=1)
    StudyItem.objects.bulk_create(StudyItem(study=study, item=item) for item in made)
    arm_rows = Arm.objects.bulk_create(
        Arm(study=study, name=f"arm {a}" if a else "Unassisted", kind="unassisted", position=a) for a in range(arms)
    )
    assignments = [
        Assignment(study=study, item=item, arm=arm, contractor=users[((n * arms + a) * reviews + r) % contractors],
                   order=n, status="submitted", active_seconds=60 + (n * 7 + a * 13 + r * 5) % 240)
        for n, item in enumerate(made)
        for a, arm in enumerate(arm_rows)
        for r in range(reviews)
    ]  # fmt: skip
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    return study


def fill_reviews(study: object, reports_per_review: int, planted: bool) -> int:
    from django.db import connection
    from django.utils import timezone

    from annotation.datasets.models import PlantedFlaw
    from annotation.labeling.models import Review
    from annotation.studies.models import Assignment

    now = timezone.now()
    assignments = list(Assignment.objects.filter(study=study).values_list("pk", "item_id", "arm__position"))
    Review.objects.bulk_create(
        (
            Review(assignment_id=pk, rating=1 + (pk % 7), status="submitted", submitted_at=now)
            for pk, _, _ in assignments
        ),
        batch_size=5000,
    )
    if planted:
        items = sorted({item for _, item, _ in assignments})
        PlantedFlaw.objects.bulk_create(
            PlantedFlaw(item_id=item, start=4, end=13, description="planted", severity=("critical", "major")[item % 2])
            for item in items
        )
    reviews = list(Review.objects.filter(assignment__study=study).values_list("pk", "assignment__arm__position"))
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            'COPY annotation_flawreport (review_id, start, "end", quote, description, severity, category, edited, '
            "created_at) FROM STDIN"
        ) as copy,
    ):
        for review, position in reviews:
            for k in range(reports_per_review):
                # More assisted arms catch the planted flaw (span 4-13) more often.
                start = 4 if (review + k) % (4 - min(position, 2)) == 0 else 20
                copy.write_row((review, start, start + 9, "the committee", f"flaw {k} of review {review}", "major",
                                "accuracy", False, now))  # fmt: skip
    return len(reviews) * reports_per_review


def cached_results_page_ms(study: object, views: int = 20) -> float:
    """The results page once its analysis is stored: what a researcher waits for on every visit."""
    import statistics

    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from annotation.results.current import current_analysis
    from annotation.users import Role, User

    settings.REDLINE_ANALYSIS_INLINE_MAX_REVIEWS = 10**9  # computed here, not by a worker
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    owner = User.objects.get(username="bench-owner")
    Group.objects.get(name=Role.RESEARCHER).user_set.add(owner)
    current_analysis(study)  # type: ignore[arg-type]
    client = Client()
    client.force_login(owner)
    url = f"/studies/{study.pk}/results/"  # type: ignore[attr-defined]
    timings = []
    for _ in range(views):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and b"from the study as it is now" in response.content
    return statistics.median(timings)


def copy_baseline(study_id: int, out: Path) -> tuple[int, float]:
    from django.db import connection

    query = f"""
        SELECT f.id, f.review_id, r.assignment_id, a.item_id, arm.name, u.username, f.start, f."end", f.line_start,
               f.line_end, f.quote, f.description, f.severity, f.category, f.source_comment_id, f.edited, f.created_at,
               adj.verdict, adj.planted_flaw_id
        FROM annotation_flawreport f
        JOIN annotation_review r ON r.id = f.review_id
        JOIN annotation_assignment a ON a.id = r.assignment_id
        JOIN annotation_arm arm ON arm.id = a.arm_id
        LEFT JOIN annotation_user u ON u.id = a.contractor_id
        LEFT JOIN annotation_adjudication adj ON adj.report_id = f.id
        WHERE a.study_id = {int(study_id)} ORDER BY f.id
    """
    started = time.perf_counter()
    rows = 0
    with (
        connection.cursor() as cursor,
        out.open("wb") as sink,
        cursor.connection.cursor().copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        for block in copy:
            sink.write(block)
            rows += bytes(block).count(b"\n")
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--reports-per-review", type=int, default=50)
    args = parser.parse_args()
    fresh_database()
    setup(DATABASE)
    from django.db import connection

    from annotation.results.analysis.report import study_results

    big = make_study("export", contractors=200, items=args.reviews, arms=1)
    rows = fill_reviews(big, args.reports_per_review, planted=False)
    connection.close()
    print(f"filled {rows:,} flaw reports")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "export_study", "export", "--format", "jsonl", "--tables", "flaw_reports",
             "--out", str(out / "export")],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        export_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with (out / "export" / "flaw_reports.jsonl").open(encoding="utf-8") as exported_file:
            exported = sum(1 for _ in exported_file)
        copied, copy_s = copy_baseline(big.pk, out / "copy.csv")  # type: ignore[attr-defined]
    assert exported == rows == copied, (exported, rows, copied)
    print(
        f"export_study JSONL: {rows / export_s:,.0f} rows/s (with process start); COPY TO: {rows / copy_s:,.0f} rows/s"
    )
    print(f"export peak RSS {peak_mb:.0f} MB")

    analysed = make_study("analysis", contractors=200, items=2000, arms=3)
    fill_reviews(analysed, 2, planted=True)
    started = time.perf_counter()
    results = study_results(analysed)  # type: ignore[arg-type]
    analysis_s = time.perf_counter() - started
    catch = {e.arm: round(e.value, 3) for e in results.estimates if e.metric == "catch_rate"}
    print(f"analysis of {results.reviews} reviews ({results.contractors} contractors, {results.items} items, 3 arms): "
          f"{analysis_s:.1f} s; catch rate {catch}")  # fmt: skip
    two = make_study("analysis-2", contractors=200, items=2000, arms=3, reviews=2)
    fill_reviews(two, 2, planted=True)
    started = time.perf_counter()
    results = study_results(two)  # type: ignore[arg-type]
    analysis_two_s = time.perf_counter() - started
    print(f"analysis of {results.reviews} reviews (2 per item and arm): {analysis_two_s:.1f} s")
    page_ms = cached_results_page_ms(two)
    print(f"results page of a stored analysis: median {page_ms:.0f} ms over 20 views")
    figures = {
        "rows": rows,
        "rows_per_s": round(rows / export_s),
        "copy_rows_per_s": round(rows / copy_s),
        "ratio": round(copy_s / export_s, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "analysis_s": round(analysis_s, 2),
        "analysis_s_two_reviews": round(analysis_two_s, 2),
        "cached_results_page_ms": round(page_ms, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
