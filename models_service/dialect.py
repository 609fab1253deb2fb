"""What an OpenAI-compatible server really supports, found by asking it.

vLLM supports everything natively. llama-cpp-python's server answers
`response_format: {"type": "json_schema"}` with a 500 and wants
`{"type": "json_object", "schema": …}`, and ignores `n`. llama.cpp's own server says how many
requests it serves at once in /props (`total_slots`); llama-cpp-python's (its models are "owned by
me") serves one at a time. The pipeline keeps no more than that in flight, so requests wait in the
worker (no clock running) rather than in the server's queue, where they would time out. vLLM
says its `max_num_seqs` only in dev mode; other servers are not limited (set `max_in_flight`).
"""

from __future__ import annotations

from models_service.client import CriticClient, ServerDialect
from models_service.errors import CriticError

PROBE_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
PROBE_MESSAGES = [{"role": "user", "content": 'Reply with the JSON {"ok": true}.'}]


async def detect_dialect(client: CriticClient) -> ServerDialect:
    data = await client.models_raw()
    owners = {entry.get("owned_by") for entry in data.get("data", []) if isinstance(entry, dict)}
    if "vllm" in owners:
        return ServerDialect(parallel=await vllm_max_num_seqs(client))
    structured = "json_schema"
    try:
        await client.chat(PROBE_MESSAGES, max_tokens=16, temperature=0.0, json_schema=PROBE_SCHEMA)
    except CriticError as exc:
        if exc.retryable and exc.status is None:
            raise
        structured = "json_object"
    probe = await client.chat(PROBE_MESSAGES, n=2, max_tokens=1, temperature=1.0)
    parallel = await server_parallelism(client, llama_cpp_python="me" in owners)
    return ServerDialect(json_schema=structured, supports_n=len(probe.choices) == 2, parallel=parallel)


async def vllm_max_num_seqs(client: CriticClient) -> int | None:
    """vLLM reveals its scheduler's `max_num_seqs` only at /server_info, which it serves in dev mode
    (VLLM_SERVER_DEV_MODE=1); otherwise None, and REDLINE_CRITIC_MAX_IN_FLIGHT applies."""
    try:
        info = await client.server_raw("server_info?config_format=json")
    except CriticError:
        return None
    config = info.get("vllm_config")
    scheduler = config.get("scheduler_config") if isinstance(config, dict) else None
    seqs = scheduler.get("max_num_seqs") if isinstance(scheduler, dict) else None
    return seqs if isinstance(seqs, int) and seqs > 0 else None


async def server_parallelism(client: CriticClient, *, llama_cpp_python: bool) -> int | None:
    """How many requests a llama.cpp server serves at once; None for servers that do not say."""
    if llama_cpp_python:
        return 1
    try:
        slots = (await client.server_raw("props")).get("total_slots")
    except CriticError:
        return None
    return slots if isinstance(slots, int) and slots > 0 else None
