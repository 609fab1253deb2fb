"""vLLM's own response bodies, transcribed from its protocol classes and documentation
(vllm/entrypoints/openai/protocol.py: ChatCompletionResponse, ChatCompletionLogProbsContent,
ModelCard, ErrorResponse; vllm/entrypoints/pooling/pooling/protocol.py: PoolingResponse;
docs/models/pooling_models). No GPU host with vLLM serves the project's tests, so the stand-in
and the client are checked against these.
"""

from __future__ import annotations

from typing import Any

CHAT: dict[str, Any] = {
    "id": "chatcmpl-5c2b9a0e2f9d4c7e8f1a",
    "object": "chat.completion",
    "created": 1763700000,
    "model": "critic",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": '{"comments": []}',
                "refusal": None,
                "annotations": None,
                "audio": None,
                "function_call": None,
                "tool_calls": [],
                "reasoning_content": None,
            },
            "logprobs": {
                "content": [
                    {
                        "token": '{"',
                        "logprob": -0.0012,
                        "bytes": [123, 34],
                        "top_logprobs": [
                            {"token": '{"', "logprob": -0.0012, "bytes": [123, 34]},
                            {"token": "{", "logprob": -6.91, "bytes": [123]},
                        ],
                    }
                ]
            },
            "finish_reason": "stop",
            "stop_reason": None,
        }
    ],
    "service_tier": None,
    "system_fingerprint": None,
    "usage": {"prompt_tokens": 412, "total_tokens": 420, "completion_tokens": 8, "prompt_tokens_details": None},
    "prompt_logprobs": None,
    "kv_transfer_params": None,
}

POOLING: dict[str, Any] = {
    "id": "pool-7e1c0d3b9a8f4e21",
    "object": "list",
    "created": 1763700000,
    "model": "critic",
    "data": [{"index": 0, "object": "pooling", "data": [0.731]}],
    "usage": {"prompt_tokens": 96, "total_tokens": 96, "completion_tokens": 0, "prompt_tokens_details": None},
}

MODELS: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "critic",
            "object": "model",
            "created": 1763700000,
            "owned_by": "vllm",
            "root": "Qwen/Qwen2.5-7B-Instruct",
            "parent": None,
            "max_model_len": 8192,
            "permission": [],
        }
    ],
}

# vLLM's error body: flat in older releases, nested under "error" (as OpenAI's) in current ones.
ERRORS: list[dict[str, Any]] = [
    {
        "object": "error",
        "message": "n must be at least 1.",
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    },
    {"error": {"message": "n must be at least 1.", "type": "BadRequestError", "param": None, "code": 400}},
]


# The fields Redline's client reads from each body (values only mark the shape).
READ_BY_CLIENT: dict[str, Any] = {
    "chat": {
        "choices": [
            {
                "index": 0,
                "message": {"content": ""},
                "logprobs": {"content": [{"token": "", "logprob": 0.0, "top_logprobs": []}]},
                "finish_reason": "",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0},
    },
    "pooling": {"data": [{"data": []}]},
    "models": {"data": [{"id": "", "owned_by": ""}]},
}


def extra_keys(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Paths of keys in `ours` that `theirs` (vLLM's body) does not have: what a stand-in invented."""
    found: list[str] = []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key, value in ours.items():
            if key not in theirs:
                found.append(f"{path}.{key}")
            else:
                found += extra_keys(value, theirs[key], f"{path}.{key}")
    elif isinstance(ours, list) and isinstance(theirs, list) and ours and theirs:
        found += extra_keys(ours[0], theirs[0], f"{path}[0]")
    return found
