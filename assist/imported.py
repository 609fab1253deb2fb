"""Critiques that arrive with an imported file: their critics, critiques and comments.

Called by the importer inside its transaction (through assist.interface): a failed import
rolls these rows back with its items.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from annotation.bulk import insert_rows
from annotation.datasets.importing.records import ParsedComment, ParsedItem
from assist.models import Backend, CriticConfig, Critique, CritiqueComment
from assist.writer import comment_row
from models_service.anchoring import anchor_quote
from models_service.critique import CommentDraft


class CriticNotImported(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"a critic named {name!r} already exists and is not an imported critic")
        self.name = name


class ImportedCritiques:
    """One per import: finds or creates each imported critic once, writes critiques in batches, counts."""

    def __init__(self) -> None:
        self.critics: dict[str, CriticConfig] = {}
        self.critiques = self.comments = self.helpful = 0
        self.critic_names: set[str] = set()

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

    def write(self, items: list[tuple[int, ParsedItem]]) -> None:
        """Write the critiques of freshly inserted items, given as (item id, parsed item)."""
        now = timezone.now()
        critiques: list[dict[str, Any]] = []
        attached: list[tuple[ParsedItem, int]] = []
        for item_id, parsed in items:
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
        critique_ids = insert_rows(Critique, critiques)
        comments = [
            _comment_row(critique_id, position, parsed, comment)
            for critique_id, (parsed, index) in zip(critique_ids, attached, strict=True)
            for position, comment in enumerate(parsed.critiques[index].comments)
        ]
        insert_rows(CritiqueComment, comments)
        self.critiques += len(critique_ids)
        self.comments += len(comments)
        self.helpful += sum(1 for critique in critiques if critique["helpful"])


def _comment_row(critique_id: int, position: int, parsed: ParsedItem, comment: ParsedComment) -> dict[str, object]:
    anchor = anchor_quote(parsed.response, comment.quote) if comment.quote else None
    draft = CommentDraft(comment.quote, comment.comment, comment.severity, comment.category, anchor)
    return {"critique_id": critique_id, **comment_row(draft, position, parsed.kind)}
