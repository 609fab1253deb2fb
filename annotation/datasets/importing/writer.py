"""Batched writes of parsed items and everything attached to them (critiques through assist).

Called inside the import's transaction: a failed import rolls all batches back.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from annotation.bulk import insert_rows
from annotation.datasets.importing.records import ParsedItem
from annotation.datasets.models import Dataset, Item, PlantedFlaw, content_hash
from assist.interface import ImportedCritiques

BATCH_SIZE = 5000


class BatchWriter:
    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.pending: list[tuple[str, ParsedItem]] = []
        self.critiques = ImportedCritiques()
        self.items = self.flaws = 0

    def add(self, parsed: ParsedItem, digest: str) -> None:
        self.pending.append((digest, parsed))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        now = timezone.now()
        item_ids = insert_rows(
            Item, [_item_row(self.dataset.pk, digest, parsed, now) for digest, parsed in self.pending]
        )
        flaws = [
            _flaw_row(item_id, flaw)
            for item_id, (_, parsed) in zip(item_ids, self.pending, strict=True)
            for flaw in parsed.flaws
        ]
        insert_rows(PlantedFlaw, flaws)
        self.critiques.write([(item_id, parsed) for item_id, (_, parsed) in zip(item_ids, self.pending, strict=True)])
        self.items += len(item_ids)
        self.flaws += len(flaws)
        self.pending.clear()


def _item_row(dataset_id: int, digest: str, parsed: ParsedItem, now: Any) -> dict[str, Any]:
    return {
        "dataset_id": dataset_id,
        "external_id": parsed.external_id,
        "kind": parsed.kind,
        "context": parsed.context,
        "question": parsed.question,
        "response": parsed.response,
        "author": parsed.author,
        "language": parsed.language,
        "tests": parsed.tests,
        "metadata": parsed.metadata,
        "content_hash": digest,
        "created_at": now,
    }


def _flaw_row(item_id: int, flaw: Any) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "start": flaw.start,
        "end": flaw.end,
        "line_start": flaw.line_start,
        "line_end": flaw.line_end,
        "description": flaw.description,
        "severity": flaw.severity,
        "category": flaw.category,
        "origin": flaw.origin,
        "metadata": flaw.metadata,
    }


def item_digest(parsed: ParsedItem) -> str:
    return content_hash(parsed.kind, parsed.context, parsed.question, parsed.response, parsed.external_id)
