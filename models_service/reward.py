"""rm_score from a reward model served by vLLM's pooling API (`vllm serve RM --runner pooling`)."""

from __future__ import annotations

from typing import Any

from models_service.client import CriticClient
from models_service.errors import CriticError
from models_service.prompts import ItemInput, critique_messages


def reward_input(item: ItemInput, critique_text: str) -> str:
    prompt = "\n\n".join(message["content"] for message in critique_messages(item))
    return f"{prompt}\n\nCritique:\n{critique_text}"


REWARD_TASKS = ("classify", "token_classify")  # sequence reward models; token (and process) reward models


async def reward_score(client: CriticClient, item: ItemInput, critique_text: str, task: str = "classify") -> float:
    """The reward model's scalar for one critique: the last value of its pooled output (a token
    reward model scores every token; the last one scores the whole critique)."""
    data: dict[str, Any] = await client.pooling(reward_input(item, critique_text), task)
    try:
        values = data["data"][0]["data"]
        flat = values[-1] if isinstance(values, list) else values
        while isinstance(flat, list):
            flat = flat[-1]
        return float(flat)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CriticError(f"unexpected pooling response: {exc!r}", retryable=False) from None
