"""A stand-in for vLLM's OpenAI-compatible server, for tests and benchmarks.

It speaks the same endpoints and JSON as vLLM (`/health`, `/v1/models`,
`/v1/chat/completions` with `n`, `seed`, `logprobs`/`top_logprobs`, `response_format`;
`/v1/completions`; vLLM's error body), with configurable latency, a concurrency limit like
`--max-num-seqs` (requests beyond it queue), and injected faults. Its critiques quote the
item's own text, sometimes text that is not there.

    python -m tests.standin.server --port 8001 --latency-ms 100 --max-concurrency 64 --fault-rate 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from aiohttp import web

from tests.standin import generator

POOLING_TASKS = ("embed", "classify", "score", "token_embed", "token_classify")
FAULTS = ("http_500", "http_503", "http_429", "timeout", "garbage", "truncated", "drop", "bad_output")


@dataclass
class StandinConfig:
    served_model: str = "critic"
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    max_concurrency: int = 64
    fault_rate: float = 0.0
    faults: list[str] = field(default_factory=lambda: list(FAULTS))
    hang_s: float = 30.0
    ungrounded_rate: float = 0.15
    seed: int = 0
    # Evaluator mode: texts containing self_marker are "its own"; what it plants in its answers.
    self_marker: str = "In short,"
    self_preference: float = 0.5
    self_recognition: float = 0.5
    position_bias: float = 0.0
    dev_mode: bool = False  # VLLM_SERVER_DEV_MODE=1: /server_info reports the scheduler's limits


@dataclass
class Stats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    by_path: dict[str, int] = field(default_factory=dict)
    pooling_tasks: dict[str, int] = field(default_factory=dict)


def error(status: int, message: str, kind: str = "BadRequestError") -> web.Response:
    body = {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    return web.json_response(body, status=status)


class Standin:
    def __init__(self, config: StandinConfig) -> None:
        self.config = config
        self.stats = Stats()
        self.semaphore = asyncio.Semaphore(config.max_concurrency)
        self.counter = itertools.count()
        self.fault_rng = random.Random(config.seed)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/health", self.health)
        app.router.add_get("/v1/models", self.models)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/completions", self.completions)
        app.router.add_post("/pooling", self.pooling)
        app.router.add_get("/server_info", self.server_info)
        app.router.add_get("/_stats", self.get_stats)
        app.router.add_post("/_config", self.set_config)
        return app

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {
                        "id": self.config.served_model,
                        "object": "model",
                        "created": int(time.time()),
                        "owned_by": "vllm",
                        "root": self.config.served_model,
                        "parent": None,
                        "max_model_len": 8192,
                    },
                ],
            }
        )

    async def server_info(self, request: web.Request) -> web.Response:
        """vLLM serves this only in dev mode; elsewhere the path is a 404 like any unknown one."""
        if not self.config.dev_mode:
            return web.json_response({"detail": "Not Found"}, status=404)
        scheduler = {"max_num_seqs": self.config.max_concurrency, "max_num_batched_tokens": 8192}
        return web.json_response({"vllm_config": {"scheduler_config": scheduler}, "vllm_env": {}, "system_env": {}})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(asdict(self.stats))

    async def set_config(self, request: web.Request) -> web.Response:
        updates = await request.json()
        names = {f.name for f in fields(StandinConfig)}
        for key, value in updates.items():
            if key not in names:
                return error(400, f"unknown setting {key}")
            setattr(self.config, key, value)
        if "max_concurrency" in updates:
            self.semaphore = asyncio.Semaphore(self.config.max_concurrency)
        if updates.get("reset_stats", True):
            self.stats = Stats()
        return web.json_response(asdict(self.config))

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return error(400, "Invalid JSON body")
        if not isinstance(body, dict):
            return error(400, "The request body must be a JSON object")
        if body.get("model") != self.config.served_model:
            return error(404, f"The model `{body.get('model')}` does not exist.", "NotFoundError")
        n = body.get("n", 1)
        if not isinstance(n, int) or n < 1:
            return error(400, "n must be at least 1, got " + repr(n))
        return body

    async def _serve(self, request: web.Request, path: str, respond: Any) -> web.StreamResponse:
        self.stats.requests += 1
        self.stats.by_path[path] = self.stats.by_path.get(path, 0) + 1
        # Like vLLM's --max-num-seqs, the limit covers generation (the latency); a sequence's slot is
        # free again once it is generated, while the HTTP response is still being written.
        async with self.semaphore:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
            try:
                delay = self.config.latency_s + random.random() * self.config.latency_jitter_s
                fault = self._pick_fault()
                if fault:
                    self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1
                if fault == "timeout":
                    await asyncio.sleep(self.config.hang_s)
                elif delay:
                    await asyncio.sleep(delay)
            finally:
                self.stats.in_flight -= 1
        return await self._faulty(request, fault, respond)

    def _pick_fault(self) -> str | None:
        if self.config.fault_rate and self.fault_rng.random() < self.config.fault_rate:
            return self.fault_rng.choice(self.config.faults)
        return None

    async def _faulty(self, request: web.Request, fault: str | None, respond: Any) -> web.StreamResponse:
        if fault == "http_500":
            return error(500, "Internal server error (injected)", "InternalServerError")
        if fault == "http_503":
            return error(503, "Service unavailable (injected)", "ServiceUnavailableError")
        if fault == "http_429":
            return error(429, "Too many requests (injected)", "RateLimitError")
        if fault == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        response: web.Response = await respond(fault == "bad_output")
        if fault == "garbage":
            return web.Response(
                status=200, text="<html><body>502 Bad Gateway</body></html>", content_type="application/json"
            )
        if fault == "truncated":
            text = response.text or ""
            return web.Response(status=200, text=text[: len(text) // 2], content_type="application/json")
        return response

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error(400, "messages must be a non-empty list")
        fmt = body.get("response_format") or {"type": "text"}
        if fmt.get("type") not in ("text", "json_object", "json_schema"):
            return error(400, f"Unknown response_format type {fmt.get('type')!r}")
        if fmt.get("type") == "json_schema" and not isinstance((fmt.get("json_schema") or {}).get("schema"), dict):
            return error(400, "response_format.json_schema.schema is required")
        if body.get("top_logprobs") and not body.get("logprobs"):
            return error(400, "top_logprobs requires logprobs=true")
        prompt = "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))

        async def respond(bad_output: bool) -> web.Response:
            return web.json_response(self._chat_body(body, prompt, bad_output))

        return await self._serve(request, "chat", respond)

    def _rng(self, body: dict[str, Any], index: int) -> random.Random:
        seed = body.get("seed")
        return random.Random(f"{seed}:{index}" if seed is not None else next(self.counter))

    def _chat_body(self, body: dict[str, Any], prompt: str, bad_output: bool) -> dict[str, Any]:
        top = int(body.get("top_logprobs") or 0)
        max_tokens = int(body.get("max_tokens") or 1024)
        choices, completion_tokens = [], 0
        for index in range(body.get("n", 1)):
            rng = self._rng(body, index)
            if max_tokens == 1 and "Yes or No" in prompt:
                text, entries = generator.yes_no(prompt, rng, top or 1)
            elif (judged := generator.evaluator_answer(prompt, rng, self.config, top)) is not None:
                text, entries = judged
            elif "You write faithful, concise summaries" in prompt or "You write correct, clear code" in prompt:
                text = generator.generation(prompt, self.config.self_marker)
                entries = generator.tokens_with_logprobs(text, rng, top) if body.get("logprobs") else []
            elif "improve an" in prompt and "using a critique" in prompt:
                text = generator.refinement(prompt, rng)
                entries = generator.tokens_with_logprobs(text, rng, top) if body.get("logprobs") else []
            else:
                quotes = generator.quote_choices(body.get("response_format") or {})
                text = generator.json_critique(prompt, rng, self.config.ungrounded_rate, quotes)
                entries = generator.tokens_with_logprobs(text, rng, top) if body.get("logprobs") else []
            finish = "stop"
            if bad_output:
                text, finish = text[: max(1, len(text) // 3)], "length"
                entries = entries[: max(1, len(entries) // 3)]
            completion_tokens += len(entries) or len(generator.TOKEN.findall(text))
            choices.append(
                {
                    "index": index,
                    "message": {"role": "assistant", "content": text, "reasoning_content": None, "tool_calls": []},
                    "logprobs": {"content": entries} if body.get("logprobs") else None,
                    "finish_reason": finish,
                    "stop_reason": None,
                }
            )
        return self._envelope("chat.completion", "chatcmpl", body, prompt, choices, completion_tokens)

    def _envelope(
        self,
        obj: str,
        prefix: str,
        body: dict[str, Any],
        prompt: str,
        choices: list[dict[str, Any]],
        completion_tokens: int,
    ) -> dict[str, Any]:
        prompt_tokens = max(1, len(prompt) // 4)
        return {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": obj,
            "created": int(time.time()),
            "model": body["model"],
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": None,
            },
            "prompt_logprobs": None,
            "kv_transfer_params": None,
        }

    async def pooling(self, request: web.Request) -> web.StreamResponse:
        """A reward model: more grounded quotes and more comments score higher (deterministic)."""
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        text = body.get("input")
        if not isinstance(text, str):
            return error(400, "input must be a string")
        task = body.get("task")
        if task is not None and task not in POOLING_TASKS:
            return error(400, f"Unsupported task: {task!r}. Supported tasks: {list(POOLING_TASKS)}")
        self.stats.pooling_tasks[str(task)] = self.stats.pooling_tasks.get(str(task), 0) + 1
        response = generator.extract_response(text)
        critique = text.rpartition("Critique:")[2]
        quotes = re.findall(r"^> (.+)$", critique, re.MULTILINE)
        grounded = sum(1 for quote in quotes if quote.strip() and quote.strip() in response)
        score = grounded - 0.5 * (len(quotes) - grounded)

        async def respond(bad_output: bool) -> web.Response:
            return web.json_response(
                {
                    "id": f"pool-{uuid.uuid4().hex}",
                    "object": "list",
                    "created": int(time.time()),
                    "model": body["model"],
                    "data": [{"index": 0, "object": "pooling", "data": [score]}],
                    "usage": {"prompt_tokens": len(text) // 4, "total_tokens": len(text) // 4},
                }
            )

        return await self._serve(request, "pooling", respond)

    async def completions(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            return error(400, "prompt must be a non-empty string")

        async def respond(bad_output: bool) -> web.Response:
            choices, completion_tokens = [], 0
            for index in range(body.get("n", 1)):
                rng = self._rng(body, index)
                text = generator.text_continuation(prompt, rng, self.config.ungrounded_rate)
                entries = generator.tokens_with_logprobs(text, rng, int(body.get("logprobs") or 0))
                completion_tokens += len(entries)
                logprobs = None
                if body.get("logprobs") is not None:
                    offsets = list(itertools.accumulate([len(prompt)] + [len(e["token"]) for e in entries[:-1]]))
                    logprobs = {
                        "tokens": [e["token"] for e in entries],
                        "token_logprobs": [e["logprob"] for e in entries],
                        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
                        "text_offset": offsets,
                    }
                choices.append(
                    {
                        "index": index,
                        "text": text,
                        "logprobs": logprobs,
                        "finish_reason": "stop",
                        "stop_reason": None,
                        "prompt_logprobs": None,
                    }
                )
            return web.json_response(
                self._envelope("text_completion", "cmpl", body, prompt, choices, completion_tokens)
            )

        return await self._serve(request, "completions", respond)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--served-model-name", default="critic")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--max-concurrency", type=int, default=64)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--hang-s", type=float, default=30.0)
    parser.add_argument("--ungrounded-rate", type=float, default=0.15)
    args = parser.parse_args()
    config = StandinConfig(
        served_model=args.served_model_name,
        latency_s=args.latency_ms / 1000,
        latency_jitter_s=args.jitter_ms / 1000,
        max_concurrency=args.max_concurrency,
        fault_rate=args.fault_rate,
        faults=args.faults.split(","),
        hang_s=args.hang_s,
        ungrounded_rate=args.ungrounded_rate,
    )
    web.run_app(Standin(config).app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
