"""Locate a critique's quote in the response it criticises.

Quotes are tried exactly, then with whitespace and case normalised, then fuzzily. A quote
found nowhere is "ungrounded": kept, but flagged, because it is a hallucination signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

Method = Literal["exact", "normalized", "fuzzy"]
FUZZY_MIN_SCORE = 90.0


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    line_start: int
    line_end: int
    method: Method


def line_of(text: str, offset: int) -> int:
    """1-based line number of the character at offset."""
    return text.count("\n", 0, offset) + 1


def span_to_lines(text: str, start: int, end: int) -> tuple[int, int]:
    last = max(start, end - 1)
    return line_of(text, start), line_of(text, last)


def lines_to_span(text: str, line_start: int, line_end: int) -> tuple[int, int]:
    """Character span covering whole lines line_start..line_end (1-based, inclusive)."""
    lines = text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: line_start - 1])
    end = start + sum(len(line) for line in lines[line_start - 1 : line_end])
    if end > start and text[end - 1 : end] == "\n":
        end -= 1
    return start, end


def _normalise(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace runs to one space and casefold; keep each char's source offset."""
    chars: list[str] = []
    offsets: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        if char.isspace():
            if previous_space:
                continue
            previous_space = True
            chars.append(" ")
        else:
            previous_space = False
            chars.append(char.casefold()[:1] or char)
        offsets.append(index)
    return "".join(chars), offsets


def _anchor(text: str, start: int, end: int, method: Method) -> Anchor:
    line_start, line_end = span_to_lines(text, start, end)
    return Anchor(start, end, line_start, line_end, method)


def anchor_quote(response: str, quote: str) -> Anchor | None:
    quote = quote.strip()
    if not quote or not response:
        return None
    position = response.find(quote)
    if position >= 0:
        return _anchor(response, position, position + len(quote), "exact")

    norm_response, offsets = _normalise(response)
    norm_quote, _ = _normalise(quote)
    norm_quote = norm_quote.strip()
    position = norm_response.find(norm_quote)
    if position >= 0 and norm_quote:
        start = offsets[position]
        end = offsets[position + len(norm_quote) - 1] + 1
        return _anchor(response, start, end, "normalized")

    if len(norm_quote) < 8:
        return None  # too short to match fuzzily without false positives
    alignment = fuzz.partial_ratio_alignment(norm_quote, norm_response, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return None
    start = offsets[alignment.dest_start]
    end = offsets[alignment.dest_end - 1] + 1
    return _anchor(response, start, end, "fuzzy")
