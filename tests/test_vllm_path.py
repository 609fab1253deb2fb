"""The vLLM path without a GPU: the serve command, the in-flight limit that follows the server's,
the pooling task named in reward requests, and bench/vllm_compare.py against the stand-in."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assist.critic_settings import CriticSettings
from assist.pipeline import in_flight_limit
from models_service.client import CriticClient, _chat_choice, _error_detail
from models_service.dialect import detect_dialect
from models_service.errors import CriticError
from models_service.prompts import ItemInput, critique_messages, critique_schema
from models_service.reward import reward_score
from models_service.serving import ServeOptions, vllm_command
from tests import vllm_bodies
from tests.standin.process import StandinProcess

ROOT = Path(__file__).resolve().parent.parent
ITEM = ItemInput("code", "Add two numbers.", "def add(a, b):\n    return a - b\n")


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinProcess]:
    server = StandinProcess("--max-concurrency", "24")
    yield server
    server.stop()


def test_serve_leaves_max_num_seqs_to_vllm_unless_asked() -> None:
    assert "--max-num-seqs" not in vllm_command(ServeOptions(model="m"))
    command = vllm_command(ServeOptions(model="m", max_num_seqs=512))
    assert command[command.index("--max-num-seqs") + 1] == "512"
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "max-num-seqs" not in compose


def test_the_in_flight_limit_follows_the_servers_own(standin: StandinProcess) -> None:
    async def parallel() -> int | None:
        async with CriticClient(standin.url, "critic") as client:
            return (await detect_dialect(client)).parallel

    standin.configure(dev_mode=False)
    assert asyncio.run(parallel()) is None  # vLLM outside dev mode does not say
    standin.configure(dev_mode=True)
    try:
        assert asyncio.run(parallel()) == 24
    finally:
        standin.configure(dev_mode=False)
    assert in_flight_limit(CriticSettings(), 1024) == 1024  # not REDLINE_CRITIC_MAX_IN_FLIGHT's 64
    assert in_flight_limit(CriticSettings(max_in_flight=100), 1024) == 100
    assert in_flight_limit(CriticSettings(max_in_flight=100), 1) == 1
    assert in_flight_limit(CriticSettings(max_in_flight=100), None) == 100


def test_reward_requests_name_their_pooling_task(standin: StandinProcess) -> None:
    async def scores() -> list[float]:
        async with CriticClient(standin.url, "critic") as client:
            return [
                await reward_score(client, ITEM, "> return a - b\nSubtracts.", "classify"),
                await reward_score(client, ITEM, "> return a - b\nSubtracts.", "token_classify"),
            ]

    standin.configure(dev_mode=False)  # and resets the stats
    assert asyncio.run(scores()) == [1.0, 1.0]
    assert standin.stats()["pooling_tasks"] == {"classify": 1, "token_classify": 1}

    async def unknown() -> None:
        async with CriticClient(standin.url, "critic") as client:
            await reward_score(client, ITEM, "x", "reward")

    with pytest.raises(CriticError, match="Unsupported task"):
        asyncio.run(unknown())


def test_vllm_compare_runs_against_the_standin(tmp_path: Path) -> None:
    dataset = tmp_path / "prompts.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "bench/vllm_compare.py",
            "--standin",
            "--standin-latency-ms",
            "20",
            "--items",
            "40",
            "--concurrency",
            "8",
            "--max-tokens",
            "300",
            "--dataset-out",
            str(dataset),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["baseline"]["source"] == "bare load generator"
    for side in ("baseline", "redline"):
        assert figures[side]["completed"] == 40 and figures[side]["failed"] == 0
        assert figures[side]["requests_per_s"] > 0 and figures[side]["output_tokens_per_s"] > 0
    assert figures["ratio"] == pytest.approx(
        figures["redline"]["requests_per_s"] / figures["baseline"]["requests_per_s"], rel=0.01
    )
    rows = [json.loads(line) for line in dataset.read_text().splitlines()]
    assert len(rows) == 40 and {row["output_tokens"] for row in rows} == {300}
    assert set(rows[0]) == {"prompt", "output_tokens"}  # vllm bench serve's custom dataset rows
    first = rows[0]["prompt"]
    assert "Code under review" in first and "def has_close_elements" in first
    system = critique_messages(ItemInput("code", "", ""), "v3")[0]["content"]
    assert first.startswith(system)


def test_the_standin_answers_with_vllms_own_fields(standin: StandinProcess) -> None:
    root = standin.url.removesuffix("/v1")
    chat = httpx.post(
        f"{standin.url}/chat/completions",
        json={
            "model": "critic",
            "messages": critique_messages(ITEM, "v3"),
            "logprobs": True,
            "top_logprobs": 2,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "critique", "schema": critique_schema("code"), "strict": True},
            },
        },
        timeout=10,
    ).json()
    pooled = httpx.post(f"{root}/pooling", json={"model": "critic", "input": "x", "task": "classify"}, timeout=10)
    models = httpx.get(f"{standin.url}/models", timeout=10).json()
    for ours, theirs in ((chat, vllm_bodies.CHAT), (pooled.json(), vllm_bodies.POOLING), (models, vllm_bodies.MODELS)):
        assert vllm_bodies.extra_keys(ours, theirs) == []
    # and it has what the client reads (an empty body would invent nothing either)
    assert vllm_bodies.extra_keys(vllm_bodies.READ_BY_CLIENT["chat"], chat) == []
    assert vllm_bodies.extra_keys(vllm_bodies.READ_BY_CLIENT["pooling"], pooled.json()) == []
    assert vllm_bodies.extra_keys(vllm_bodies.READ_BY_CLIENT["models"], models) == []
    assert (
        chat["choices"][0]["logprobs"]["content"][0].keys()
        == vllm_bodies.CHAT["choices"][0]["logprobs"]["content"][0].keys()
    )


def test_the_client_reads_vllms_own_bodies() -> None:
    choice = _chat_choice(vllm_bodies.CHAT["choices"][0])
    assert choice.text == '{"comments": []}' and choice.finish_reason == "stop"
    assert choice.logprobs[0].logprob == -0.0012 and choice.logprobs[0].top == {'{"': -0.0012, "{": -6.91}
    for body in vllm_bodies.ERRORS:
        assert _error_detail(json.dumps(body)) == "n must be at least 1."
    assert vllm_bodies.MODELS["data"][0]["owned_by"] == "vllm"  # what detect_dialect keys on
