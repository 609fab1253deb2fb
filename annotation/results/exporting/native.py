"""A dataset in Redline's own import schema: items with their planted flaws and critiques.

Importing the file into a new dataset gives the same items, flaws and critiques back.
Failed critique samples (an error, no text, no comment) are left out: they hold nothing to import.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from annotation.datasets.models import Item, PlantedFlaw
from assist.interface import Critique, critiques_prefetch

CHUNK = 2000
FLAW_FIELDS = ("start", "end", "line_start", "line_end", "description", "severity", "category", "origin", "metadata")


def _critique(critique: Critique) -> dict[str, Any] | None:
    comments = [
        {"comment": c.comment, "quote": c.quote, "severity": c.severity, "category": c.category}
        for c in critique.comments.all()
    ]
    if critique.error or not (critique.text or comments):
        return None
    return {
        "critic": critique.critic.name,
        "text": critique.text,
        "helpful": critique.helpful,
        "score": critique.score,
        "comments": comments,
        "metadata": critique.metadata,
    }


def native_rows(items: QuerySet[Item]) -> Iterator[tuple[dict[str, Any], int]]:
    queryset = items.order_by("id").prefetch_related(
        Prefetch("planted_flaws", queryset=PlantedFlaw.objects.order_by("id")),
        critiques_prefetch(with_comments=True),
    )
    for item in queryset.iterator(chunk_size=CHUNK):
        flaws = [{name: getattr(flaw, name) for name in FLAW_FIELDS} for flaw in item.planted_flaws.all()]
        found = [_critique(critique) for critique in item.critiques.all()]
        row = {
            "id": item.external_id,
            "kind": item.kind,
            "context": item.context,
            "question": item.question,
            "response": item.response,
            "author": item.author,
            "language": item.language,
            "tests": item.tests,
            "metadata": item.metadata,
            "flaws": flaws,
            "critiques": [critique for critique in found if critique is not None],
        }
        yield row, 1
