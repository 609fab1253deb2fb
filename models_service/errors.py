from __future__ import annotations


class CriticError(Exception):
    """A request to the critic failed. `retryable` says whether trying again may help."""

    def __init__(self, reason: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status


class CritiqueFormatError(Exception):
    """The model's output is not a critique in the requested format; the raw text is kept."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw
