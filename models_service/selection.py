"""Choosing among critique samples: single, best-of-n, and Force Sampling Beam Search.

Every sample is scored as rm_score + λ · grounded_highlights (CriticGPT §2.3). rm_score is a
reward model's score when one is configured, else the sample's mean token log-probability.
A larger λ favours longer, more comprehensive critiques; a smaller one, fewer hallucinations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from models_service.client import CriticClient
from models_service.critique import Sample, drop_trailing_unhighlighted, parse_text_critique
from models_service.prompts import HIGHLIGHT, ItemInput, text_critique_prompt

Rewarder = Callable[[ItemInput, str], Awaitable[float]]


def score_sample(sample: Sample, length_modifier: float) -> float:
    rm = sample.rm_score if sample.rm_score is not None else (sample.mean_logprob or 0.0)
    sample.score = rm + length_modifier * sample.grounded_highlights
    return sample.score


def choose(samples: list[Sample], length_modifier: float) -> int:
    """Index of the best-scoring sample that parsed, or -1 when none did."""
    best, best_score = -1, float("-inf")
    for index, sample in enumerate(samples):
        if sample.error:
            continue
        score = score_sample(sample, length_modifier)
        if score > best_score:
            best, best_score = index, score
    return best


async def add_rm_scores(samples: list[Sample], item: ItemInput, rewarder: Rewarder | None) -> None:
    if rewarder is None:
        return
    scores = await asyncio.gather(*(rewarder(item, sample.text) for sample in samples if not sample.error))
    for sample, value in zip([s for s in samples if not s.error], scores, strict=True):
        sample.rm_score = value


@dataclass(frozen=True, slots=True)
class FsbsSettings:
    n: int = 4  # continuations sampled per beam and round
    k: int = 2  # beams kept after each round
    depth: int = 4  # rounds of forcing a highlight
    max_tokens: int = 256
    temperature: float = 1.0


async def fsbs(
    client: CriticClient,
    item: ItemInput,
    *,
    length_modifier: float,
    settings: FsbsSettings = FsbsSettings(),
    seed: int | None = None,
    version: str = "v1",
    rewarder: Rewarder | None = None,
) -> list[Sample]:
    """All candidates of a Force Sampling Beam Search (1·n + (depth-1)·k·n of them: 28 by default)."""
    base = text_critique_prompt(item, version)
    beams = [""]
    candidates: list[Sample] = []
    for depth in range(settings.depth):
        prefixes = [beam + ("\n\n" if beam else "") + HIGHLIGHT + " " for beam in beams]
        results = await asyncio.gather(
            *(
                client.complete(
                    base + prefix,
                    n=settings.n,
                    temperature=settings.temperature,
                    max_tokens=settings.max_tokens,
                    logprobs=1,
                    seed=None if seed is None else seed + 1000 * depth + index,
                )
                for index, prefix in enumerate(prefixes)
            )
        )
        round_samples = []
        for prefix, result in zip(prefixes, results, strict=True):
            per_choice = result.completion_tokens // max(1, len(result.choices))
            for choice in result.choices:
                text = drop_trailing_unhighlighted(prefix + choice.text)
                round_samples.append(
                    Sample(
                        raw=text,
                        comments=parse_text_critique(text, item),
                        mean_logprob=choice.mean_logprob,
                        completion_tokens=per_choice,
                    )
                )
        await add_rm_scores(round_samples, item, rewarder)
        for sample in round_samples:
            score_sample(sample, length_modifier)
        candidates.extend(round_samples)
        ranked = sorted(round_samples, key=lambda s: s.score or 0.0, reverse=True)
        beams = [sample.raw for sample in ranked[: settings.k] if sample.raw]
        if not beams:
            break
    return candidates
