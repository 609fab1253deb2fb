"""Characters that change what text looks like without showing themselves: bidirectional overrides
and isolates (Trojan Source, CVE-2021-42574), zero-width characters, soft hyphens. Wherever item
text is shown, each one is kept (character offsets stay right) but marked visibly, and isolated so
it cannot reorder the text around it; importing such text warns."""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HIDDEN = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _name(char: str) -> str:
    return unicodedata.name(char, "UNNAMED").title()


def describe(text: str) -> list[str]:
    """Each kind of hidden character in `text`, as "U+202E Right-To-Left Override"."""
    return [f"U+{ord(char):04X} {_name(char)}" for char in sorted(set(HIDDEN.findall(text)))]


def _marker(char: str) -> str:
    code = f"U+{ord(char):04X}"
    return f'<span class="hidden-char" data-cp="{code}" title="{code} {_name(char)}">{char}</span>'


def mark_escaped(html: str) -> str:
    """Mark hidden characters in text that is already escaped HTML (such as Pygments output)."""
    return HIDDEN.sub(lambda found: _marker(found.group()), html)


def reveal(text: str) -> SafeString:
    """Escape `text` and mark its hidden characters."""
    return mark_safe(mark_escaped(str(escape(text))))  # noqa: S308 - escaped first; markers are ours
