"""One conformance suite for the critic client, run against every server it supports:
Redline's stand-in vLLM server, and the real llama.cpp server with SmolLM2-135M on the CPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from models_service.client import CriticClient, ServerDialect
from models_service.dialect import detect_dialect
from models_service.errors import CriticError
from models_service.generate import GenerationSettings, critique_item, with_retries
from models_service.prompts import ItemInput, critique_messages, quote_units
from tests.cpu_critic import SERVED_NAME, CpuCriticProcess
from tests.standin.process import StandinProcess

ITEMS = [
    ItemInput(
        "summary",
        "Anna planted tomatoes in May. The August harvest was her best in ten years.",
        "Anna planted tomatoes in June. The August harvest was her best in ten years.",
        "What does the passage say about Anna's garden?",
    ),
    ItemInput(
        "code", "Return the larger of a and b.", "def biggest(a, b):\n    if a < b:\n        return a\n    return b\n"
    ),
    ItemInput(
        "summary",
        "The night train from Vell to Ostra takes eleven hours and stops in four cities.",
        "The train takes eleven hours. It stops in four cities. It is very fast.",
        "What does the passage say about the train?",
    ),
]


@dataclass
class Server:
    name: str
    url: str
    model: str
    dialect: ServerDialect

    def client(self, **kwargs: Any) -> CriticClient:
        return CriticClient(self.url, self.model, dialect=self.dialect, **kwargs)


@pytest.fixture(scope="session", params=["standin", "llamacpp"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "standin":
        standin = StandinProcess("--ungrounded-rate", "0.3", "--latency-ms", "20")
        yield Server("standin", standin.url, "critic", ServerDialect())
        standin.stop()
    else:
        cpu = CpuCriticProcess()
        yield Server("llamacpp", cpu.url, SERVED_NAME, ServerDialect("json_object", supports_n=False, parallel=1))
        cpu.stop()


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


SETTINGS = GenerationSettings(
    strategy="best_of_n", n=3, max_tokens=250, temperature=0.7, seed=7, prompt_version="v2", length_modifier=0.5
)


@pytest.fixture(scope="session")
def critiques(server: Server) -> list[Any]:
    async def go() -> list[Any]:
        async with server.client(timeout_s=120) as client:
            return [await critique_item(client, item, SETTINGS) for item in ITEMS]

    return run(go())


def test_the_dialect_is_detected(server: Server) -> None:
    async def go() -> ServerDialect:
        async with CriticClient(server.url, server.model) as client:
            return await detect_dialect(client)

    assert run(go()) == server.dialect


def test_n_samples_come_back_as_n_critiques(critiques: list[Any]) -> None:
    assert [len(result.samples) for result in critiques] == [3, 3, 3]


def test_structured_critiques_parse(critiques: list[Any]) -> None:
    samples = [sample for result in critiques for sample in result.samples]
    for sample in samples:
        assert not sample.error or "cut off at max_tokens" in sample.error, sample.error
    assert sum(1 for sample in samples if not sample.error) >= len(samples) // 2
    assert any(sample.comments for sample in samples)


def test_quotes_are_anchored_or_flagged_ungrounded(critiques: list[Any]) -> None:
    comments = [
        (item, c)
        for item, result in zip(ITEMS, critiques, strict=True)
        for s in result.samples
        for c in s.comments
        if c.quote
    ]
    grounded = [(item, c) for item, c in comments if c.grounded]
    assert grounded, "no quote was found in its response"
    assert any(not c.grounded for _, c in comments), "every quote was found"
    for item, comment in grounded:
        assert comment.anchor is not None
        located = item.response[comment.anchor.start : comment.anchor.end]
        assert located.lower().split() == comment.quote.lower().split() or comment.anchor.method == "fuzzy"


def test_critiqueability_is_a_probability(critiques: list[Any]) -> None:
    for result in critiques:
        assert result.critiqueability is not None
        assert 0.0 < result.critiqueability < 1.0


def test_best_of_n_picks_the_best_configured_score(critiques: list[Any]) -> None:
    for result in critiques:
        valid = [s for s in result.samples if not s.error]
        if not valid:
            continue
        best = max(s.score for s in valid if s.score is not None)
        assert result.samples[result.chosen].score == best
        for sample in valid:
            assert sample.score == pytest.approx((sample.mean_logprob or 0.0) + 0.5 * sample.grounded_highlights)


def test_timeouts_are_retried_then_reported(server: Server) -> None:
    async def go() -> None:
        async with server.client(timeout_s=0.001) as client:
            with pytest.raises(CriticError) as caught:
                await with_retries(
                    lambda: client.chat(critique_messages(ITEMS[0]), max_tokens=200), attempts=2, base_delay_s=0.01
                )
        assert caught.value.retryable
        assert "timeout" in caught.value.reason

    run(go())


def test_a_killed_server_is_retried_then_reported(server: Server) -> None:
    victim: StandinProcess | CpuCriticProcess = StandinProcess() if server.name == "standin" else CpuCriticProcess()
    url = victim.url

    async def go() -> None:
        async with CriticClient(url, server.model, dialect=server.dialect) as client:
            first = await client.chat(critique_messages(ITEMS[1]), max_tokens=5)
            assert first.choices
            victim.stop()
            with pytest.raises(CriticError) as caught:
                await with_retries(
                    lambda: client.chat(critique_messages(ITEMS[1]), max_tokens=5), attempts=3, base_delay_s=0.01
                )
        assert caught.value.retryable
        assert "connection error" in caught.value.reason

    run(go())


def test_quotes_restricted_to_lines_are_all_grounded(server: Server) -> None:
    """Grounded by construction: structured output may only copy one of the response's own lines
    (code) or sentences (prose), so every comment anchors, on the real llama.cpp grammar too."""
    settings = GenerationSettings(
        strategy="best_of_n", n=2, max_tokens=250, temperature=0.7, seed=11, prompt_version="v3", quote_mode="lines"
    )

    # Lines holding quotes or backslashes: llama-cpp-python's grammar mis-escapes them in an enum and
    # its server crashed on every docstring until the client left them out.
    quoted = ItemInput(
        "code",
        "Say yes to even numbers.",
        'def yes(n):\n    """Say \\"yes\\"."""\n    if n % 2 == 1:\n        return "yes"\n    return "no"\n',
    )
    items = [*ITEMS, quoted]

    async def go() -> list[Any]:
        async with server.client(timeout_s=120) as client:
            return [await critique_item(client, item, settings) for item in items]

    comments = [
        (item, comment)
        for item, result in zip(items, run(go()), strict=True)
        for sample in result.samples
        for comment in sample.comments
    ]
    assert comments, "no sample said anything"
    for item, comment in comments:
        assert comment.quote in quote_units(item), comment.quote
        assert comment.grounded and comment.anchor is not None
        assert item.response[comment.anchor.start : comment.anchor.end] == comment.quote
