from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from annotation.web.hidden_chars import reveal

register = template.Library()


@register.filter(name="reveal_hidden")
def reveal_hidden(text: str) -> SafeString:
    """Item text as shown to people: escaped, with bidi and invisible characters marked."""
    return reveal(text or "")
