"""What an OpenAI-compatible server really supports, found by asking it.

vLLM supports everything natively. llama-cpp-python's server answers
`response_format: {"type": "json_schema"}` with a 500 and wants
`{"type": "json_object", "schema": …}`, and ignores `n`. A server other than vLLM may serve only a
few requests at once: llama.cpp's own server says how many in /props (`total_slots`);
llama-cpp-python's serves one at a time and says nothing, so one is assumed. The pipeline keeps
no more than that in flight, so requests wait in the worker (no clock running) rather than in the
server's queue, where they would time out.
"""

from __future__ import annotations

from models_service.client import CriticClient, ServerDialect
from models_service.errors import CriticError

PROBE_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
PROBE_MESSAGES = [{"role": "user", "content": 'Reply with the JSON {"ok": true}.'}]


async def detect_dialect(client: CriticClient) -> ServerDialect:
    data = await client.models_raw()
    if any(entry.get("owned_by") == "vllm" for entry in data.get("data", []) if isinstance(entry, dict)):
        return ServerDialect()
    structured = "json_schema"
    try:
        await client.chat(PROBE_MESSAGES, max_tokens=16, temperature=0.0, json_schema=PROBE_SCHEMA)
    except CriticError as exc:
        if exc.retryable and exc.status is None:
            raise
        structured = "json_object"
    probe = await client.chat(PROBE_MESSAGES, n=2, max_tokens=1, temperature=1.0)
    return ServerDialect(
        json_schema=structured, supports_n=len(probe.choices) == 2, parallel=await server_parallelism(client)
    )


async def server_parallelism(client: CriticClient) -> int:
    """How many requests a server other than vLLM serves at once (see the module docstring)."""
    try:
        slots = (await client.server_raw("props")).get("total_slots")
    except CriticError:
        return 1
    return slots if isinstance(slots, int) and slots > 0 else 1
