"""What an OpenAI-compatible server really supports, found by asking it.

vLLM supports everything natively. llama-cpp-python's server answers
`response_format: {"type": "json_schema"}` with a 500 and wants
`{"type": "json_object", "schema": …}`, and ignores `n`.
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
    return ServerDialect(json_schema=structured, supports_n=len(probe.choices) == 2)
