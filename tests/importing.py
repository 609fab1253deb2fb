"""Helpers for import tests: build files in memory and import them."""

from __future__ import annotations

import io
import json
from typing import Any

from annotation.datasets.importing.service import ImportResult, do_import


def jsonl(*rows: Any) -> bytes:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows).encode("utf-8")


def import_bytes(data: bytes, name: str = "ds", fmt: str = "auto", filename: str = "data.jsonl") -> ImportResult:
    return do_import(io.BytesIO(data), name=name, fmt=fmt, filename=filename, size=len(data))


def summary_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "summary",
        "context": "Anna planted tomatoes in May. The harvest in August was the best in ten years.",
        "question": "What does the passage say about Anna's garden?",
        "response": "Anna planted tomatoes in June, and the August harvest was her best in ten years.",
        "author": "model-a",
    }
    row.update(overrides)
    return row


def code_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "code",
        "context": "Return the larger of a and b.",
        "response": "def biggest(a, b):\n    if a < b:\n        return a\n    return b\n",
        "author": "model-b",
        "tests": "assert biggest(1, 2) == 2\n",
    }
    row.update(overrides)
    return row
