"""Generate runs: a model writes a response to each source of a dataset, as new items of a new
dataset whose author is that model (what an evaluator audit needs: outputs with known authors)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from annotation.datasets.models import Dataset
from annotation.users import User
from assist.critic_settings import CriticSettings
from assist.generate_worker import sources_of
from assist.models import Backend, CriticConfig, GenerationRun
from assist.tasks import run_generation

MAX_SOURCES = 5000


class GenerateRefused(Exception):
    pass


def do_create_generation(
    generator: CriticConfig, source: Dataset, target_name: str, author: str, user: User
) -> GenerationRun:
    if generator.backend != Backend.OPENAI:
        raise GenerateRefused(f"{generator} is not a model server: only a model can write responses.")
    name = target_name.strip()
    if not name or Dataset.objects.filter(name=name).exists():
        raise GenerateRefused(f"Name a new dataset for the generations ({name!r} is taken or empty).")
    sources = sources_of(source)
    if not sources or len(sources) > MAX_SOURCES:
        raise GenerateRefused(f"{len(sources)} sources: a generation needs 1 to {MAX_SOURCES}.")
    chosen = CriticSettings.parse(generator.sampling)
    try:
        return _create(generator, source, name, author, user, chosen, len(sources))
    except IntegrityError as exc:  # the same name taken a moment ago
        raise GenerateRefused(f"Name a new dataset for the generations ({name!r} is taken).") from exc


def _create(
    generator: CriticConfig, source: Dataset, name: str, author: str, user: User, chosen: CriticSettings, total: int
) -> GenerationRun:
    with transaction.atomic():
        target = Dataset.objects.create(
            name=name,
            source_format="generated",
            created_by=user,
            description=f"Responses written by {generator} ({author}) to the sources of {source.name}.",
        )
        run = GenerationRun.objects.create(
            generator=generator,
            source=source,
            target=target,
            author=author.strip() or generator.model or generator.name,
            created_by=user,
            total=total,
            sampling={"temperature": chosen.temperature, "max_tokens": chosen.max_tokens, "seed": chosen.seed},
        )
        transaction.on_commit(lambda: run_generation.delay(run.pk))
    return run
