"""An async client for vLLM's OpenAI-compatible API (any such server works).

Only what Redline needs: chat completions with n samples, seeds, log-probabilities and
JSON-schema structured output, and the completions endpoint for forced-prefix continuation.
Errors are classified as retryable (connection, timeout, 429, 5xx, a garbled body) or not.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from models_service.errors import CriticError

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    token: str
    logprob: float
    top: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Choice:
    text: str
    finish_reason: str | None
    logprobs: list[TokenLogprob]

    @property
    def mean_logprob(self) -> float | None:
        if not self.logprobs:
            return None
        return sum(token.logprob for token in self.logprobs) / len(self.logprobs)


@dataclass(frozen=True, slots=True)
class Completion:
    choices: list[Choice]
    prompt_tokens: int
    completion_tokens: int
    latency_s: float


@dataclass(frozen=True, slots=True)
class ServerDialect:
    """What a server supports. vLLM supports everything natively."""

    json_schema: str = "json_schema"  # or "json_object" (llama.cpp) or "none"
    supports_n: bool = True
    parallel: int | None = None  # requests it serves at once, where it says (None: as many as asked)


class CriticClient:
    """One connection pool per client; use it as an async context manager inside one event loop."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "EMPTY",
        timeout_s: float = 120.0,
        max_connections: int = 64,
        dialect: ServerDialect | None = None,
    ) -> None:
        self.model = model
        self.dialect = dialect or ServerDialect()
        self.base_url = base_url.rstrip("/") + "/"
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, 10.0))
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # aiohttp's pool costs a fraction of httpx's per request at vLLM-sized concurrency, which
        # decides how many critiques one worker core can keep flowing.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=self._max_connections)
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout, connector=connector)
        return self._session

    async def __aenter__(self) -> CriticClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def chat(
        self,
        messages: list[dict[str, str]],
        *,
        n: int = 1,
        seed: int | None = None,
        temperature: float = 1.0,
        max_tokens: int = 1024,
        logprobs: bool = False,
        top_logprobs: int | None = None,
        json_schema: dict[str, Any] | None = None,
        schema_name: str = "critique",
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "n": n,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if seed is not None:
            body["seed"] = seed
        if logprobs:
            body["logprobs"] = True
            if top_logprobs:
                body["top_logprobs"] = top_logprobs
        if json_schema is not None:
            body["response_format"] = self._response_format(json_schema, schema_name)
        if n > 1 and not self.dialect.supports_n:
            return await self._fan_out(
                self.chat,
                messages,
                n=n,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                logprobs=logprobs,
                top_logprobs=top_logprobs,
                json_schema=json_schema,
                schema_name=schema_name,
            )
        return await self._completion("chat/completions", body, _chat_choice)

    async def complete(
        self,
        prompt: str,
        *,
        n: int = 1,
        seed: int | None = None,
        temperature: float = 1.0,
        max_tokens: int = 512,
        logprobs: int | None = None,
        stop: list[str] | None = None,
    ) -> Completion:
        """The completions endpoint: continue `prompt` exactly as given (forced prefix)."""
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": prompt,
            "n": n,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if seed is not None:
            body["seed"] = seed
        if logprobs is not None:
            body["logprobs"] = logprobs
        if stop:
            body["stop"] = stop
        if n > 1 and not self.dialect.supports_n:
            return await self._fan_out(
                self.complete,
                prompt,
                n=n,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                logprobs=logprobs,
                stop=stop,
            )
        return await self._completion("completions", body, _completion_choice)

    async def _completion(
        self, path: str, body: dict[str, Any], to_choice: Callable[[dict[str, Any]], Choice]
    ) -> Completion:
        started = time.perf_counter()
        data = await self._post(path, body)
        latency = time.perf_counter() - started
        try:
            choices = [to_choice(choice) for choice in sorted(data["choices"], key=lambda c: c.get("index", 0))]
            usage = data.get("usage") or {}
        except (KeyError, TypeError, AttributeError) as exc:
            raise CriticError(f"unexpected response shape: {exc!r}", retryable=True) from None
        return Completion(
            choices, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), latency
        )

    async def pooling(self, text: str, task: str = "classify") -> dict[str, Any]:
        """vLLM's pooling endpoint (reward models, `--runner pooling`); it lives beside /v1, not under it.
        The task is named: left out, vLLM picks a per-token task first for models that support one."""
        root = self.base_url.removesuffix("/").removesuffix("/v1") + "/"
        body = {"model": self.model, "input": text, "task": task, "encoding_format": "float"}
        return await self._request("POST", "pooling", body, base=root)

    async def models_raw(self) -> dict[str, Any]:
        return await self._request("GET", "models", None)

    async def server_raw(self, path: str) -> dict[str, Any]:
        """GET a path at the server's root (outside /v1), such as llama.cpp's /props."""
        root = self.base_url.removesuffix("v1/")
        return await self._request("GET", path, None, base=root)

    async def models(self) -> list[str]:
        data = await self._request("GET", "models", None)
        return [entry["id"] for entry in data.get("data", [])]

    async def _fan_out(self, method: Any, first: Any, *, n: int, seed: int | None, **kwargs: Any) -> Completion:
        """For servers that ignore `n`: n parallel requests with different seeds, so no sample is lost."""
        base = seed if seed is not None else random.randrange(2**31)  # noqa: S311 - sampling seeds
        started = time.perf_counter()
        parts: list[Completion] = await asyncio.gather(
            *(method(first, n=1, seed=base + index, **kwargs) for index in range(n))
        )
        return Completion(
            [part.choices[0] for part in parts if part.choices],
            sum(part.prompt_tokens for part in parts),
            sum(part.completion_tokens for part in parts),
            time.perf_counter() - started,
        )

    def _response_format(self, schema: dict[str, Any], name: str) -> dict[str, Any]:
        if self.dialect.json_schema == "json_object":
            return {"type": "json_object", "schema": _grammar_safe(schema)}
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", path, body)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None, base: str | None = None
    ) -> dict[str, Any]:
        try:
            async with self._client().request(method, (base or self.base_url) + path, json=body) as response:
                text = await response.text()
                status = response.status
        except TimeoutError:
            raise CriticError(f"timeout after {self._timeout.total:g} s", retryable=True) from None
        except aiohttp.ClientError as exc:
            raise CriticError(f"connection error: {type(exc).__name__}: {exc}", retryable=True) from None
        return _json_body(status, text)


def _grammar_safe(schema: Any) -> Any:
    """llama-cpp-python turns a JSON schema into a grammar but escapes `"` and `\\` inside enum strings
    wrongly, and its server dies on the result: such values are left out (an emptied enum becomes a
    free string)."""
    if isinstance(schema, list):
        return [_grammar_safe(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    safe = {key: _grammar_safe(value) for key, value in schema.items() if key != "enum"}
    if "enum" in schema:
        kept = [v for v in schema["enum"] if not (isinstance(v, str) and ('"' in v or "\\" in v))]
        if kept:
            safe["enum"] = kept
    return safe


def _json_body(status: int, text: str) -> dict[str, Any]:
    if status >= 400:
        retryable = status in RETRYABLE_STATUS or status >= 500
        raise CriticError(f"HTTP {status}: {_error_detail(text)}", retryable=retryable, status=status)
    try:
        data = json.loads(text)
    except ValueError:
        raise CriticError(f"the server sent a body that is not JSON: {text[:120]!r}", retryable=True) from None
    if not isinstance(data, dict):
        raise CriticError("the server sent JSON that is not an object", retryable=True)
    return data


def _error_detail(text: str) -> str:
    """vLLM puts the message at the top level; OpenAI nests it under "error"."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(parsed, dict):
        if isinstance(parsed.get("message"), str):
            return str(parsed["message"])
        error = parsed.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return text[:300]


def _chat_choice(choice: dict[str, Any]) -> Choice:
    return Choice(
        text=choice["message"].get("content") or "",
        finish_reason=choice.get("finish_reason"),
        logprobs=_chat_logprobs(choice.get("logprobs")),
    )


def _completion_choice(choice: dict[str, Any]) -> Choice:
    return Choice(
        text=choice.get("text") or "",
        finish_reason=choice.get("finish_reason"),
        logprobs=_completion_logprobs(choice.get("logprobs")),
    )


def _chat_logprobs(block: dict[str, Any] | None) -> list[TokenLogprob]:
    if not block or not block.get("content"):
        return []
    return [
        TokenLogprob(
            entry["token"],
            float(entry["logprob"]),
            {top["token"]: float(top["logprob"]) for top in entry.get("top_logprobs") or []},
        )
        for entry in block["content"]
    ]


def _completion_logprobs(block: dict[str, Any] | None) -> list[TokenLogprob]:
    if not block or not block.get("tokens"):
        return []
    tops = block.get("top_logprobs") or [None] * len(block["tokens"])
    return [
        TokenLogprob(
            token, float(logprob if logprob is not None else 0.0), {k: float(v) for k, v in (top or {}).items()}
        )
        for token, logprob, top in zip(block["tokens"], block["token_logprobs"], tops, strict=False)
    ]
