"""What every import format is parsed into before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ParsedFlaw:
    description: str
    severity: str
    category: str
    origin: str
    start: int | None = None
    end: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedComment:
    comment: str
    quote: str = ""
    severity: str = ""
    category: str = "other"


@dataclass(slots=True)
class ParsedCritique:
    critic: str
    text: str
    helpful: bool | None = None
    score: float | None = None
    comments: list[ParsedComment] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedItem:
    line: int
    kind: str
    context: str
    response: str
    question: str = ""
    author: str = "unknown"
    external_id: str = ""
    language: str = ""
    tests: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    flaws: list[ParsedFlaw] = field(default_factory=list)
    critiques: list[ParsedCritique] = field(default_factory=list)
