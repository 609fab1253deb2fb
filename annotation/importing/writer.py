"""Batched writes of parsed items and everything attached to them.

Called inside the import's transaction: a failed import rolls all batches back.
"""

from __future__ import annotations

from django.utils import timezone

from annotation.importing.records import ParsedItem
from annotation.models import Dataset, Item, PlantedFlaw, content_hash
from assist.models import Backend, CriticConfig, Critique, CritiqueComment
from models_service.anchoring import anchor_quote

BATCH_SIZE = 2000


class CriticNotImported(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"a critic named {name!r} already exists and is not an imported critic")
        self.name = name


class BatchWriter:
    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.pending: list[tuple[Item, ParsedItem]] = []
        self.critics: dict[str, CriticConfig] = {}
        self.items = self.flaws = self.critiques = self.comments = self.helpful = 0
        self.critic_names: set[str] = set()

    def add(self, parsed: ParsedItem, digest: str) -> None:
        item = Item(
            dataset=self.dataset,
            external_id=parsed.external_id,
            kind=parsed.kind,
            context=parsed.context,
            question=parsed.question,
            response=parsed.response,
            author=parsed.author,
            language=parsed.language,
            tests=parsed.tests,
            metadata=parsed.metadata,
            content_hash=digest,
            created_at=timezone.now(),
        )
        self.pending.append((item, parsed))
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
        items = Item.objects.bulk_create([item for item, _ in self.pending])
        flaws: list[PlantedFlaw] = []
        critiques: list[tuple[Critique, ParsedItem, int]] = []
        for item, (_, parsed) in zip(items, self.pending, strict=True):
            flaws.extend(
                PlantedFlaw(
                    item=item,
                    start=f.start,
                    end=f.end,
                    line_start=f.line_start,
                    line_end=f.line_end,
                    description=f.description,
                    severity=f.severity,
                    category=f.category,
                    origin=f.origin,
                    metadata=f.metadata,
                )
                for f in parsed.flaws
            )
            samples: dict[str, int] = {}
            for index, parsed_critique in enumerate(parsed.critiques):
                critic = self.critic(parsed_critique.critic)
                sample = samples.get(critic.name, 0)
                samples[critic.name] = sample + 1
                critique = Critique(
                    item=item,
                    critic=critic,
                    sample_index=sample,
                    chosen=sample == 0,
                    text=parsed_critique.text,
                    helpful=parsed_critique.helpful,
                    score=parsed_critique.score,
                    metadata=parsed_critique.metadata,
                )
                critiques.append((critique, parsed, index))
        PlantedFlaw.objects.bulk_create(flaws)
        saved = Critique.objects.bulk_create([critique for critique, _, _ in critiques])
        comments = []
        for critique, (_, parsed, index) in zip(saved, critiques, strict=True):
            for position, parsed_comment in enumerate(parsed.critiques[index].comments):
                anchor = anchor_quote(parsed.response, parsed_comment.quote) if parsed_comment.quote else None
                comments.append(
                    CritiqueComment(
                        critique=critique,
                        position=position,
                        quote=parsed_comment.quote,
                        comment=parsed_comment.comment,
                        severity=parsed_comment.severity,
                        category=parsed_comment.category,
                        grounded=anchor is not None,
                        start=anchor.start if anchor else None,
                        end=anchor.end if anchor else None,
                        line_start=anchor.line_start if anchor and parsed.kind == "code" else None,
                        line_end=anchor.line_end if anchor and parsed.kind == "code" else None,
                    )
                )
        CritiqueComment.objects.bulk_create(comments)
        self.items += len(items)
        self.flaws += len(flaws)
        self.critiques += len(saved)
        self.comments += len(comments)
        self.helpful += sum(1 for critique in saved if critique.helpful)
        self.critic_names.update(critique.critic.name for critique in saved)
        self.pending.clear()


def item_digest(parsed: ParsedItem) -> str:
    return content_hash(parsed.kind, parsed.context, parsed.question, parsed.response, parsed.external_id)
