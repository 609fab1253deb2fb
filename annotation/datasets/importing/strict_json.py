"""JSON as an import reads it: standard JSON only, of sane depth, storable as it is.

Python's json module accepts NaN and Infinity (Postgres rejects them), decodes a lone "\\ud800"
escape into a string no UTF-8 encoder can write, and fails deep inside itself on input nested
100,000 levels deep or integers of thousands of digits. Each of these is refused here with a
message that names the problem, so the importer can name the line and field.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JsonRefused(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON value (use null or a number)")


def _check(value: Any) -> None:
    """Walk the value without recursion: depth, and strings that cannot be stored as UTF-8."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonRefused(f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            for key, child in node.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            _check_text(node)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise JsonRefused(f"contains an unpaired surrogate (\\u{code:04x}), which no text file can hold") from None


def loads(text: str) -> Any:
    """Parse strict JSON; JsonRefused (a ValueError) says what is wrong, json.JSONDecodeError where it is."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise JsonRefused(f"is nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. an integer past Python's 4,300-digit limit
        raise JsonRefused(f"holds a number Redline cannot read ({exc})") from None
    _check(value)
    return value
