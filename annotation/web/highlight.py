"""Server-side syntax highlighting: item text is untrusted, and Pygments escapes it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from annotation.web.hidden_chars import mark_escaped


def highlighted_lines(code: str, language: str) -> list[SafeString]:
    """One HTML string per source line, each already escaped by Pygments."""
    try:
        lexer = get_lexer_by_name(language or "python", stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = get_lexer_by_name("text", stripnl=False, ensurenl=False)
    formatter = HtmlFormatter(nowrap=True)
    html = highlight(code, lexer, formatter)
    lines = html.split("\n")
    expected = len(code.splitlines()) or 1
    lines = lines[:expected] + [""] * (expected - len(lines))
    return [mark_safe(mark_escaped(line)) for line in lines]  # noqa: S308 - Pygments output is escaped


@dataclass(frozen=True, slots=True)
class CodeLine:
    number: int
    offset: int
    html: SafeString


def numbered_lines(code: str, language: str) -> list[CodeLine]:
    """Highlighted lines with their 1-based number and the character offset where each starts."""
    offsets, position = [], 0
    for raw in code.splitlines(keepends=True) or [""]:
        offsets.append(position)
        position += len(raw)
    html = highlighted_lines(code, language)
    return [CodeLine(number, offset, line) for number, (offset, line) in enumerate(zip(offsets, html, strict=True), 1)]
