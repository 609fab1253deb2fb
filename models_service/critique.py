"""Turn model output into anchored comments, or say precisely why it is not a critique."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from models_service.anchoring import Anchor, anchor_quote
from models_service.errors import CritiqueFormatError
from models_service.prompts import CATEGORIES, COMMENT, HIGHLIGHT, SEVERITIES, ItemInput

_TAIL = re.compile(r"\(\s*severity:\s*(\w+)\s*;\s*category:\s*(\w+)\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CommentDraft:
    quote: str
    comment: str
    severity: str
    category: str
    anchor: Anchor | None

    @property
    def grounded(self) -> bool:
        return self.anchor is not None


@dataclass(slots=True)
class Sample:
    """One critique sample: its text, its comments, and what is needed to score it."""

    raw: str
    comments: list[CommentDraft] = field(default_factory=list)
    mean_logprob: float | None = None
    completion_tokens: int = 0
    error: str = ""
    rm_score: float | None = None
    score: float | None = None

    @property
    def grounded_highlights(self) -> int:
        return sum(1 for comment in self.comments if comment.grounded)

    @property
    def text(self) -> str:
        return "\n\n".join(
            (f"> {c.quote}\n" if c.quote else "") + f"{c.comment} ({c.severity or 'unrated'}, {c.category})"
            for c in self.comments
        )


def _comment(item: ItemInput, quote: str, comment: str, severity: str, category: str) -> CommentDraft:
    severity = severity.lower() if severity.lower() in SEVERITIES else ""
    category = category.lower() if category.lower() in CATEGORIES[item.kind] else "other"
    anchor = anchor_quote(item.response, quote) if quote.strip() else None
    return CommentDraft(quote.strip(), comment.strip(), severity, category, anchor)


def parse_json_critique(raw: str, item: ItemInput) -> list[CommentDraft]:
    try:
        # strict=False: small models under grammar-constrained decoding emit raw newlines inside strings.
        data: Any = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        raise CritiqueFormatError(f"the critique is not valid JSON ({exc.msg} at char {exc.pos})", raw) from None
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise CritiqueFormatError('the critique has no "comments" list', raw)
    comments = []
    for index, entry in enumerate(data["comments"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("comment"), str) or not entry["comment"].strip():
            raise CritiqueFormatError(f"comment {index} has no text", raw)
        quote = str(entry["quote"]) if isinstance(entry.get("quote"), str) else ""
        comments.append(
            _comment(
                item, quote, entry["comment"], str(entry.get("severity") or ""), str(entry.get("category") or "other")
            )
        )
    return comments


def split_paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def drop_trailing_unhighlighted(text: str) -> str:
    """FSBS keeps a continuation only up to its last paragraph that carries a highlight."""
    paragraphs = split_paragraphs(text)
    while paragraphs and not paragraphs[-1].startswith(HIGHLIGHT):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def parse_text_critique(text: str, item: ItemInput) -> list[CommentDraft]:
    comments = []
    for paragraph in split_paragraphs(text):
        if not paragraph.startswith(HIGHLIGHT) or COMMENT not in paragraph:
            continue
        quote_part, _, comment_part = paragraph.partition(COMMENT)
        quote = quote_part.removeprefix(HIGHLIGHT).strip().strip('"`')
        severity = category = ""
        match = _TAIL.search(comment_part)
        if match:
            severity, category = match.group(1), match.group(2)
            comment_part = comment_part[: match.start()]
        if comment_part.strip():
            comments.append(_comment(item, quote, comment_part, severity, category or "other"))
    return comments
