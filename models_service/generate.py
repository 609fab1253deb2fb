"""Critique one item with a configured strategy: the unit of work the worker runs many of at once."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from models_service.client import CriticClient
from models_service.critique import Sample, parse_json_critique
from models_service.critiqueability import critiqueability
from models_service.errors import CriticError, CritiqueFormatError
from models_service.prompts import ItemInput, critique_messages, critique_schema, max_comments, quote_units
from models_service.selection import FsbsSettings, Rewarder, add_rm_scores, choose, fsbs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    strategy: str = "single"
    n: int = 1
    temperature: float = 0.7
    max_tokens: int = 1024
    seed: int | None = None
    length_modifier: float = 0.0
    prompt_version: str = "v1"
    quote_mode: str = "free"  # "lines": quotes restricted to the response's own lines or sentences
    with_critiqueability: bool = True
    fsbs: FsbsSettings = FsbsSettings()


@dataclass(slots=True)
class ItemCritique:
    samples: list[Sample]
    chosen: int
    critiqueability: float | None
    latency_s: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    notes: list[str] = field(default_factory=list)


async def _sampled(client: CriticClient, item: ItemInput, settings: GenerationSettings) -> tuple[list[Sample], int]:
    n = 1 if settings.strategy == "single" else max(1, settings.n)
    result = await client.chat(
        critique_messages(item, settings.prompt_version),
        n=n,
        seed=settings.seed,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        logprobs=True,
        json_schema=_schema(item, settings),
    )
    per_choice = result.completion_tokens // max(1, len(result.choices))
    samples = []
    for choice in result.choices:
        sample = Sample(raw=choice.text, mean_logprob=choice.mean_logprob, completion_tokens=per_choice)
        try:
            sample.comments = parse_json_critique(choice.text, item)
        except CritiqueFormatError as exc:
            sample.error = str(exc)
        if choice.finish_reason == "length" and sample.error:
            sample.error += " (the output was cut off at max_tokens)"
        samples.append(sample)
    if len(samples) < n:
        raise CriticError(f"asked for {n} samples, the server returned {len(samples)}", retryable=False)
    return samples, result.prompt_tokens


def _schema(item: ItemInput, settings: GenerationSettings) -> dict[str, Any]:
    """Quote mode "lines" (the small-model mode) also bounds the comments to what max_tokens holds."""
    if settings.quote_mode != "lines":
        return critique_schema(item.kind)
    return critique_schema(item.kind, quote_units(item), max_comments(settings.max_tokens))


async def critique_item(
    client: CriticClient, item: ItemInput, settings: GenerationSettings, rewarder: Rewarder | None = None
) -> ItemCritique:
    """One item's samples, the chosen one, and its critiqueability. Raises CriticError on request failure."""
    started = time.perf_counter()
    probability: asyncio.Task[float | None] | None = None
    if settings.with_critiqueability:
        probability = asyncio.ensure_future(critiqueability(client, item, settings.prompt_version))
    try:
        if settings.strategy == "fsbs":
            samples = await fsbs(
                client,
                item,
                length_modifier=settings.length_modifier,
                settings=settings.fsbs,
                seed=settings.seed,
                version=settings.prompt_version,
                rewarder=rewarder,
            )
            prompt_tokens = 0
        else:
            samples, prompt_tokens = await _sampled(client, item, settings)
            await add_rm_scores(samples, item, rewarder)
        chosen = choose(samples, settings.length_modifier)
        p_flawed = await _probability(probability, item) if probability is not None else None
    finally:
        if probability is not None:
            _settle(probability)
    return ItemCritique(
        samples=samples,
        chosen=chosen,
        critiqueability=p_flawed,
        latency_s=time.perf_counter() - started,
        prompt_tokens=prompt_tokens,
        completion_tokens=sum(sample.completion_tokens for sample in samples),
    )


async def _probability(task: asyncio.Task[float | None], item: ItemInput) -> float | None:
    """The critiqueability, or None when asking for it failed: the critique itself stands."""
    try:
        return await task
    except CriticError as exc:
        log.warning("critiqueability of a %s item failed (%s); the critique is kept without it", item.kind, exc.reason)
        return None


def _settle(task: asyncio.Task[float | None]) -> None:
    """Never leave a task's exception unretrieved (asyncio would log "Task exception was never retrieved")."""
    if not task.done():
        task.cancel()
    elif not task.cancelled() and task.exception() is not None:
        log.warning("critiqueability request failed after its item did: %s", task.exception())


async def with_retries[T](
    call: Callable[[], Awaitable[T]], *, attempts: int = 4, base_delay_s: float = 0.5, max_delay_s: float = 20.0
) -> tuple[T, int]:
    """Retry retryable CriticErrors with exponential backoff and full jitter; return (result, attempts used)."""
    for attempt in range(1, attempts + 1):
        try:
            return await call(), attempt
        except CriticError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            delay = min(max_delay_s, base_delay_s * 2 ** (attempt - 1))
            await asyncio.sleep(random.uniform(0, delay))  # noqa: S311 - jitter, not secrecy
    raise AssertionError("unreachable")
