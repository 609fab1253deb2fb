"""OpenAPI postprocessing: the error answers every endpoint can give, written down once."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
    "description": "What went wrong: `detail`, or each field with its problems.",
}
WRITES = {"post", "put", "patch", "delete"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            wanted = {"401": "Not logged in", "403": "Not allowed", "429": "Too many requests"}
            if method in WRITES or operation.get("parameters"):
                wanted["400"] = "Invalid input"
            wanted["404"] = "No such object (or page), or not yours to see"
            if method in WRITES:
                wanted["409"] = "Refused in the object's current state"
            for code, description in wanted.items():
                responses.setdefault(code, {"description": description, **error})
    return result
