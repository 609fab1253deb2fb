"""Critiqueability: P(the response is flawed), read from a Yes/No discriminator's log-probabilities."""

from __future__ import annotations

import math

from models_service.client import Choice, CriticClient
from models_service.prompts import ItemInput, discriminator_messages


def yes_probability(choice: Choice) -> float | None:
    """P(Yes) / (P(Yes) + P(No)) over the first token's top alternatives, or None if neither appears."""
    if not choice.logprobs:
        return None
    first = choice.logprobs[0]
    alternatives = dict(first.top)
    alternatives.setdefault(first.token, first.logprob)
    yes = sum(math.exp(lp) for token, lp in alternatives.items() if token.strip().lower() == "yes")
    no = sum(math.exp(lp) for token, lp in alternatives.items() if token.strip().lower() == "no")
    if yes + no == 0:
        return None
    return yes / (yes + no)


async def critiqueability(client: CriticClient, item: ItemInput, version: str = "v1") -> float | None:
    result = await client.chat(
        discriminator_messages(item, version), max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=10
    )
    return yes_probability(result.choices[0]) if result.choices else None
