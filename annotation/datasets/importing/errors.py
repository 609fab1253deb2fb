from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in the input, located by line (1-based; 0 for the file as a whole) and field."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, field {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ImportFailed(Exception):
    """Raised when a file cannot be imported; nothing was written."""

    def __init__(self, errors: list[RowError], *, truncated: bool = False) -> None:
        self.errors = errors
        self.truncated = truncated
        head = "; ".join(str(error) for error in errors[:3])
        more = len(errors) - 3
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"Nothing was imported: {head}{suffix}")


class TooManyErrors(Exception):
    """Internal signal: stop reading once enough errors have been collected."""


class ErrorLog:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.errors: list[RowError] = []
        self.truncated = False

    def add(self, line: int, field: str, message: str) -> None:
        if len(self.errors) >= self.limit:
            self.truncated = True
            raise TooManyErrors
        self.errors.append(RowError(line, field, message))

    def __bool__(self) -> bool:
        return bool(self.errors)
