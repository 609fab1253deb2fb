"""Small validators that read one field of a row and log a located error when it is wrong."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings

from annotation.datasets.importing.errors import ErrorLog

_MISSING = object()
MAX_INTEGER = 2**31 - 1  # offsets and line numbers are Postgres integers


class Row:
    """A mapping being validated, at a known line, with a path prefix for nested fields."""

    def __init__(self, data: dict[str, Any], line: int, errors: ErrorLog, prefix: str = "") -> None:
        self.data = data
        self.line = line
        self.errors = errors
        self.prefix = prefix
        self.ok = True

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> None:
        self.ok = False
        self.errors.add(self.line, self.path(name), message)

    def child(self, data: dict[str, Any], prefix: str) -> Row:
        return Row(data, self.line, self.errors, f"{self.prefix}{prefix}.")

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(key, f"unknown field; expected one of: {', '.join(sorted(allowed))}")

    def text(self, name: str, *, required: bool = False, default: str = "", max_length: int | None = None) -> str:
        """A string field; longer than max_length (by default REDLINE_IMPORT_MAX_TEXT_CHARS) is refused."""
        max_length = max_length or settings.REDLINE_IMPORT_MAX_TEXT_CHARS
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if required:
                self.error(name, "is required and must be a non-empty string")
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name in {"id", "external_id"}:
            value = str(value)
        if not isinstance(value, str):
            self.error(name, f"must be a string, not {type(value).__name__}")
            return default
        if max_length is not None and len(value) > max_length:
            self.error(name, f"is {len(value)} characters long; the limit is {max_length}")
            return default
        if "\x00" in value:
            self.error(name, "contains a NUL character")
            return default
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, default: str | None = None) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if default is None:
                self.error(name, f"is required; one of: {', '.join(choices)}")
                return choices[0]
            return default
        if not isinstance(value, str) or value not in choices:
            self.error(name, f"{value!r} is not one of: {', '.join(choices)}")
            return default or choices[0]
        return value

    def integer(self, name: str, *, minimum: int = 0) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            if len(value.strip()) > 12:
                self.error(name, f"must be at most {MAX_INTEGER:,}")
                return None
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(name, f"must be an integer, not {type(value).__name__}")
            return None
        if value < minimum:
            self.error(name, f"must be at least {minimum}, not {value}")
            return None
        if value > MAX_INTEGER:
            self.error(name, f"must be at most {MAX_INTEGER:,}")
            return None
        return value

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(name, f"must be a number, not {type(value).__name__}")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.error(name, "must be a finite number")
            return None
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error(name, f"must be true, false or null, not {value!r}")
            return None
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            self.error(name, f"must be an object, not {type(value).__name__}")
            return {}
        return value

    def sequence(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            self.error(name, f"must be a list, not {type(value).__name__}")
            return []
        return value

    def objects(self, name: str) -> list[tuple[Row, int]]:
        """Each element of a list of objects as a Row with its own path prefix."""
        rows = []
        for index, element in enumerate(self.sequence(name)):
            if not isinstance(element, dict):
                self.error(f"{name}[{index}]", f"must be an object, not {type(element).__name__}")
                continue
            rows.append((self.child(element, f"{name}[{index}]"), index))
        return rows
