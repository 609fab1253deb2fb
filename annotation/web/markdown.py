"""Researchers write instructions in Markdown; contractors get it as sanitised HTML."""

from __future__ import annotations

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "kbd", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    html = md.markdown(text, extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return mark_safe(clean)  # noqa: S308 - nh3 keeps only the tags above, without attributes that run code
