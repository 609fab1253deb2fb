"""A critiqueability request that fails never fails the critique, and never leaves an asyncio task
whose exception nobody retrieved (the worker logged "Task exception was never retrieved")."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from typing import Any

import pytest

from models_service.client import Choice, Completion
from models_service.errors import CriticError
from models_service.generate import GenerationSettings, critique_item
from models_service.prompts import ItemInput

ITEM = ItemInput(kind="code", context="Add two numbers.", response="def add(a, b):\n    return a - b\n")


class Server:
    """A server whose critiques succeed (or not) and whose Yes/No answers always fail."""

    def __init__(self, critiques_fail: bool = False) -> None:
        self.critiques_fail = critiques_fail

    async def chat(self, messages: list[dict[str, str]], **options: Any) -> Completion:
        if options.get("max_tokens") == 1:
            raise CriticError("the discriminator timed out", retryable=True)
        await asyncio.sleep(0.01)
        if self.critiques_fail:
            raise CriticError("the critique request failed", retryable=True)
        body = json.dumps(
            {
                "comments": [
                    {"quote": "return a - b", "comment": "Subtracts.", "severity": "critical", "category": "bug"}
                ]
            }
        )
        return Completion([Choice(body, "stop", [])], prompt_tokens=10, completion_tokens=5, latency_s=0.01)


def test_the_critique_stands_without_its_critiqueability(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    result = asyncio.run(critique_item(Server(), ITEM, GenerationSettings()))  # type: ignore[arg-type]
    assert result.critiqueability is None and result.samples[0].comments[0].comment == "Subtracts."
    assert "critiqueability of a code item failed" in caplog.text


def test_no_task_exception_is_left_unretrieved(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    async def run() -> None:
        with pytest.raises(CriticError, match="critique request failed"):
            await critique_item(Server(critiques_fail=True), ITEM, GenerationSettings())  # type: ignore[arg-type]
        await asyncio.sleep(0.05)

    asyncio.run(run())
    gc.collect()
    assert "Task exception was never retrieved" not in caplog.text
