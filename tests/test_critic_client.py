"""The critic client against the stand-in vLLM server: protocol, samples, scores, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from models_service.client import CriticClient, ServerDialect
from models_service.critique import parse_json_critique, parse_text_critique
from models_service.critiqueability import critiqueability
from models_service.errors import CriticError, CritiqueFormatError
from models_service.generate import GenerationSettings, critique_item, with_retries
from models_service.prompts import ItemInput, critique_messages, critique_schema
from models_service.selection import FsbsSettings, fsbs
from tests.standin.process import StandinProcess

SUMMARY = ItemInput(
    kind="summary",
    context="Anna planted tomatoes in May. The August harvest was her best in ten years.",
    question="What does the passage say about Anna's garden?",
    response="Anna planted tomatoes in June. The August harvest was her best in ten years. She sold them all.",
)
CODE = ItemInput(
    kind="code",
    context="Return the larger value.",
    response="def biggest(a, b):\n    if a < b:\n        return a\n    return b\n",
)


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinProcess]:
    server = StandinProcess("--ungrounded-rate", "0.3")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_config(standin: StandinProcess) -> None:
    standin.configure(fault_rate=0.0, latency_s=0.0, hang_s=30.0, max_concurrency=64)


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def client(server: StandinProcess, **kwargs: object) -> CriticClient:
    return CriticClient(server.url, "critic", **kwargs)  # type: ignore[arg-type]


def test_structured_critiques_parse_and_quotes_are_anchored_or_flagged(standin: StandinProcess) -> None:
    async def go() -> None:
        async with client(standin) as c:
            result = await c.chat(
                critique_messages(SUMMARY), n=8, seed=3, logprobs=True, json_schema=critique_schema("summary")
            )
        assert len(result.choices) == 8
        comments = [comment for choice in result.choices for comment in parse_json_critique(choice.text, SUMMARY)]
        grounded = [comment for comment in comments if comment.grounded]
        ungrounded = [comment for comment in comments if not comment.grounded]
        assert grounded and ungrounded
        for comment in grounded:
            assert comment.anchor is not None
            assert SUMMARY.response[comment.anchor.start : comment.anchor.end].lower() == comment.quote.lower()
        assert all(choice.mean_logprob is not None and choice.mean_logprob < 0 for choice in result.choices)
        assert result.prompt_tokens > 0 and result.completion_tokens > 0

    run(go())


def test_the_same_seed_gives_the_same_samples(standin: StandinProcess) -> None:
    async def go() -> tuple[list[str], list[str]]:
        async with client(standin) as c:
            first = await c.chat(critique_messages(CODE), n=2, seed=11, json_schema=critique_schema("code"))
            second = await c.chat(critique_messages(CODE), n=2, seed=11, json_schema=critique_schema("code"))
        return [x.text for x in first.choices], [x.text for x in second.choices]

    first, second = run(go())
    assert first == second and first[0] != first[1]


def test_critiqueability_is_a_probability(standin: StandinProcess) -> None:
    async def go() -> list[float | None]:
        async with client(standin) as c:
            return list(await asyncio.gather(*(critiqueability(c, SUMMARY) for _ in range(10))))

    values = run(go())
    assert all(value is not None and 0 < value < 1 for value in values)
    assert len(set(values)) > 1


def test_best_of_n_picks_the_highest_configured_score(standin: StandinProcess) -> None:
    async def go(length_modifier: float) -> None:
        async with client(standin) as c:
            result = await critique_item(
                c, CODE, GenerationSettings(strategy="best_of_n", n=6, seed=5, length_modifier=length_modifier)
            )
        assert len(result.samples) == 6
        scores = [s.score for s in result.samples]
        assert result.chosen == scores.index(max(s for s in scores if s is not None))
        for sample in result.samples:
            assert sample.score == pytest.approx(
                (sample.mean_logprob or 0) + length_modifier * sample.grounded_highlights
            )
        assert result.critiqueability is not None

    run(go(0.0))
    run(go(5.0))


def test_fsbs_searches_28_candidates_that_all_start_with_a_highlight(standin: StandinProcess) -> None:
    async def go() -> None:
        async with client(standin) as c:
            candidates = await fsbs(c, CODE, length_modifier=1.0, settings=FsbsSettings(), seed=2)
        assert len(candidates) == 28
        for candidate in candidates:
            assert candidate.raw.startswith("QUOTE:")
            assert candidate.comments
            assert not candidate.raw.rstrip().endswith("another look.")
        later = candidates[4:]
        assert max(len(c.comments) for c in later) > max(len(c.comments) for c in candidates[:4])
        assert standin.stats()["by_path"]["completions"] == 1 + 3 * 2

    run(go())


def test_text_critiques_parse_severity_and_category() -> None:
    text = "QUOTE: if a < b:\nCOMMENT: Returns the smaller value. (severity: critical; category: bug)\n\nNo quote here."
    (comment,) = parse_text_critique(text, CODE)
    assert (comment.quote, comment.severity, comment.category, comment.grounded) == (
        "if a < b:",
        "critical",
        "bug",
        True,
    )


def test_malformed_output_is_a_format_error_with_the_raw_text() -> None:
    with pytest.raises(CritiqueFormatError) as caught:
        parse_json_critique('{"comments": [{"quote": "x"', SUMMARY)
    assert caught.value.raw == '{"comments": [{"quote": "x"'
    with pytest.raises(CritiqueFormatError, match='no "comments" list'):
        parse_json_critique('{"verdict": "bad"}', SUMMARY)


@pytest.mark.parametrize(
    ("fault", "retryable", "fragment"),
    [
        ("http_500", True, "HTTP 500"),
        ("http_503", True, "HTTP 503"),
        ("http_429", True, "HTTP 429"),
        ("garbage", True, "not JSON"),
        ("truncated", True, "not JSON"),
        ("drop", True, "connection error"),
        ("timeout", True, "timeout"),
    ],
)
def test_faults_are_classified(standin: StandinProcess, fault: str, retryable: bool, fragment: str) -> None:
    standin.configure(fault_rate=1.0, faults=[fault], hang_s=2.0)

    async def go() -> None:
        async with client(standin, timeout_s=0.5) as c:
            with pytest.raises(CriticError) as caught:
                await c.chat(critique_messages(SUMMARY))
        assert caught.value.retryable is retryable
        assert fragment in caught.value.reason

    run(go())


def test_client_errors_are_not_retried(standin: StandinProcess) -> None:
    async def go() -> None:
        async with CriticClient(standin.url, "no-such-model") as c:
            with pytest.raises(CriticError) as caught:
                await c.chat(critique_messages(SUMMARY))
        assert (caught.value.status, caught.value.retryable) == (404, False)
        assert "does not exist" in caught.value.reason

    run(go())


def test_retries_recover_from_transient_faults_then_give_up(standin: StandinProcess) -> None:
    standin.configure(fault_rate=0.5, faults=["http_503", "drop"])

    async def go() -> None:
        async with client(standin) as c:
            results = await asyncio.gather(
                *(
                    with_retries(lambda: c.chat(critique_messages(CODE)), attempts=8, base_delay_s=0.01)
                    for _ in range(10)
                )
            )
        assert all(result.choices for result, _ in results)
        assert max(attempts for _, attempts in results) > 1

    run(go())
    standin.configure(fault_rate=1.0, faults=["http_503"])

    async def hopeless() -> None:
        async with client(standin) as c:
            with pytest.raises(CriticError, match="HTTP 503"):
                await with_retries(lambda: c.chat(critique_messages(CODE)), attempts=3, base_delay_s=0.01)

    run(hopeless())
    assert standin.stats()["requests"] == 3


def test_a_killed_server_is_reported_as_a_retryable_connection_error() -> None:
    server = StandinProcess()
    server.stop()

    async def go() -> None:
        async with client(server) as c:
            with pytest.raises(CriticError) as caught:
                await with_retries(lambda: c.chat(critique_messages(CODE)), attempts=2, base_delay_s=0.01)
        assert caught.value.retryable and "connection error" in caught.value.reason

    run(go())


def test_servers_that_ignore_n_get_parallel_requests_with_distinct_seeds(standin: StandinProcess) -> None:
    async def go() -> None:
        async with client(standin, dialect=ServerDialect(supports_n=False)) as c:
            result = await c.chat(critique_messages(CODE), n=4, seed=100, json_schema=critique_schema("code"))
        assert len(result.choices) == 4
        assert len({choice.text for choice in result.choices}) > 1
        assert standin.stats()["by_path"]["chat"] == 4

    run(go())


def test_the_concurrency_limit_queues_requests_like_max_num_seqs(standin: StandinProcess) -> None:
    standin.configure(max_concurrency=4, latency_s=0.5)  # long enough that a busy machine still fills every slot

    async def go() -> float:
        async with client(standin) as c:
            loop = asyncio.get_running_loop()
            started = loop.time()
            await asyncio.gather(*(c.chat(critique_messages(CODE)) for _ in range(12)))
            return loop.time() - started

    elapsed = run(go())
    assert standin.stats()["max_in_flight"] == 4
    assert elapsed >= 1.5  # three waves of four


def test_a_reward_model_supplies_rm_score_for_best_of_n(standin: StandinProcess) -> None:
    from models_service.reward import reward_score

    async def go() -> None:
        async with client(standin) as c:

            async def rewarder(item: ItemInput, text: str) -> float:
                return await reward_score(c, item, text)

            result = await critique_item(
                c, CODE, GenerationSettings(strategy="best_of_n", n=5, seed=9), rewarder=rewarder
            )
        for sample in result.samples:
            grounded = sum(1 for comment in sample.comments if comment.grounded and comment.quote in CODE.response)
            assert sample.rm_score == pytest.approx(grounded - 0.5 * (len(sample.comments) - grounded))
            assert sample.score == sample.rm_score
        best = max(s.rm_score or 0 for s in result.samples)
        assert result.samples[result.chosen].rm_score == best
        assert standin.stats()["by_path"]["pooling"] == 5

    run(go())
