"""Import 100,000 generated items through Redline's import path, and the same rows with COPY.

Prints items/s for both and their ratio; the last line is one JSON object with the figures.
Run with `make bench` or `python bench/import_items.py [--items N]` (needs Postgres).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import time
from typing import Any

from _django import setup

WORDS = [
    *[
        "the",
        "model",
        "said",
        "that",
        "river",
        "bank",
        "flood",
        "council",
        "vote",
        "summer",
        "farm",
        "harvest",
        "ship",
        "crew",
        "letter",
        "school",
    ],
    *["teacher", "bridge", "engineer", "storm", "harbour", "market", "village", "train", "ticket", "museum", "map"],
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        response = " ".join(sentence(rng, 12) for _ in range(3))
        row: dict[str, Any] = {
            "id": f"bench-{n}",
            "kind": "summary",
            "author": f"model-{n % 4}",
            "context": " ".join(sentence(rng, 15) for _ in range(8)),
            "question": sentence(rng, 8).rstrip(".") + "?",
            "response": response,
            "metadata": {"n": n},
        }
        if n % 10 == 0:
            row["flaws"] = [{"start": 0, "end": 10, "description": "Planted for the benchmark.", "severity": "minor"}]
        rows.append(row)
    return rows


def import_path(data: bytes) -> float:
    from annotation.datasets.importing.service import do_import

    started = time.perf_counter()
    result = do_import(io.BytesIO(data), name="bench-import", fmt="jsonl", size=len(data))
    elapsed = time.perf_counter() - started
    assert result.items == data.count(b"\n"), result
    return elapsed


def copy_path(rows: list[dict[str, Any]]) -> float:
    """The same item rows, hashed beforehand, streamed into the same table with COPY."""
    from django.db import connection, transaction
    from django.utils import timezone

    from annotation.datasets.models import Dataset, content_hash

    dataset = Dataset.objects.create(name="bench-copy")
    now = timezone.now()
    prepared = [
        (
            dataset.pk,
            row["id"],
            row["kind"],
            row["context"],
            row["question"],
            row["response"],
            row["author"],
            "",
            "",
            json.dumps(row["metadata"]),
            content_hash(row["kind"], row["context"], row["question"], row["response"], row["id"]),
            now,
        )
        for row in rows
    ]
    columns = (
        "dataset_id, external_id, kind, context, question, response, author, language, tests, metadata, "
        "content_hash, created_at"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor
        with raw.copy(f"COPY annotation_item ({columns}) FROM STDIN") as copy:
            for values in prepared:
                copy.write_row(values)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    setup()
    from annotation.datasets.models import Dataset

    Dataset.objects.filter(name__in=("bench-import", "bench-copy")).delete()
    rows = generate(args.items)
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    print(f"{args.items:,} items, {len(data) / 1e6:.1f} MB of JSON Lines")
    import_s = import_path(data)
    copy_s = copy_path(rows)
    Dataset.objects.filter(name__in=("bench-import", "bench-copy")).delete()
    figures = {
        "items": args.items,
        "items_per_s": round(args.items / import_s, 1),
        "copy_items_per_s": round(args.items / copy_s, 1),
        "ratio": round(copy_s / import_s, 3),
        "import_s": round(import_s, 2),
        "copy_s": round(copy_s, 2),
    }
    print(f"import path: {figures['items_per_s']:>10,.0f} items/s ({import_s:.2f} s)")
    print(f"COPY:        {figures['copy_items_per_s']:>10,.0f} items/s ({copy_s:.2f} s)")
    print(f"ratio:       {figures['ratio']:.3f} (goal ≥ 0.3)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
