"""Batched writes of parsed items and everything attached to them.

Called inside the import's transaction: a failed import rolls all batches back.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from annotation.importing.bulk import insert_rows
from annotation.importing.records import ParsedComment, ParsedItem
from annotation.models import Dataset, Item, PlantedFlaw, content_hash
from assist.models import Backend, CriticConfig, Critique, CritiqueComment
from assist.rows import comment_row
from models_service.anchoring import anchor_quote
from models_service.critique import CommentDraft

BATCH_SIZE = 5000


class CriticNotImported(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"a critic named {name!r} already exists and is not an imported critic")
        self.name = name


class BatchWriter:
    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.pending: list[tuple[str, ParsedItem]] = []
        self.critics: dict[str, CriticConfig] = {}
        self.items = self.flaws = self.critiques = self.comments = self.helpful = 0
        self.critic_names: set[str] = set()

    def add(self, parsed: ParsedItem, digest: str) -> None:
        self.pending.append((digest, parsed))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def critic(self, name: str) -> CriticConfig:
        critic = self.critics.get(name)
        if critic is None:
            critic, _ = CriticConfig.objects.get_or_create(
                name=name, defaults={"backend": Backend.IMPORTED, "description": "Critiques imported from a file."}
            )
            if critic.backend != Backend.IMPORTED:
                raise CriticNotImported(name)
            self.critics[name] = critic
        return critic

    def flush(self) -> None:
        if not self.pending:
            return
        now = timezone.now()
        item_ids = insert_rows(
            Item, [_item_row(self.dataset.pk, digest, parsed, now) for digest, parsed in self.pending]
        )
        flaws: list[dict[str, Any]] = []
        critiques: list[dict[str, Any]] = []
        attached: list[tuple[ParsedItem, int]] = []
        for item_id, (_, parsed) in zip(item_ids, self.pending, strict=True):
            flaws.extend(_flaw_row(item_id, flaw) for flaw in parsed.flaws)
            samples: dict[str, int] = {}
            for index, found in enumerate(parsed.critiques):
                critic = self.critic(found.critic)
                sample = samples.get(critic.name, 0)
                samples[critic.name] = sample + 1
                critiques.append(
                    {
                        "item_id": item_id,
                        "critic_id": critic.pk,
                        "sample_index": sample,
                        "chosen": sample == 0,
                        "text": found.text,
                        "helpful": found.helpful,
                        "score": found.score,
                        "metadata": found.metadata,
                        "raw_output": "",
                        "error": "",
                        "created_at": now,
                    }
                )
                attached.append((parsed, index))
                self.critic_names.add(critic.name)
        insert_rows(PlantedFlaw, flaws)
        critique_ids = insert_rows(Critique, critiques)
        comments = [
            _comment_row(critique_id, position, parsed, comment)
            for critique_id, (parsed, index) in zip(critique_ids, attached, strict=True)
            for position, comment in enumerate(parsed.critiques[index].comments)
        ]
        insert_rows(CritiqueComment, comments)
        self.items += len(item_ids)
        self.flaws += len(flaws)
        self.critiques += len(critique_ids)
        self.comments += len(comments)
        self.helpful += sum(1 for critique in critiques if critique["helpful"])
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


def _comment_row(critique_id: int, position: int, parsed: ParsedItem, comment: ParsedComment) -> dict[str, object]:
    anchor = anchor_quote(parsed.response, comment.quote) if comment.quote else None
    draft = CommentDraft(comment.quote, comment.comment, comment.severity, comment.category, anchor)
    return {"critique_id": critique_id, **comment_row(draft, position, parsed.kind)}


def item_digest(parsed: ParsedItem) -> str:
    return content_hash(parsed.kind, parsed.context, parsed.question, parsed.response, parsed.external_id)
