from __future__ import annotations

from typing import Any

from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    """Ids in API paths are numbers, so "/api/tasks/null,null/" is no route at all (a 404) rather
    than a lookup that fails deep inside; and no ".json" suffix routes: JSON is the only format, and
    custom actions take no `format` argument."""

    include_format_suffixes = False

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]+)"
