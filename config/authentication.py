"""API token authentication that slows token guessing: after too many wrong tokens from one
address, that address gets 429 with Retry-After until the window passes (DRF's own throttles
run after authentication and permissions, so a wrong token never reaches them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.request import Request


def _key(request: Request) -> str:
    return f"redline:token-failures:{request.META.get('REMOTE_ADDR', '')}"


class GuardedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        presented = get_authorization_header(request).split()
        if not presented or presented[0].lower() != self.keyword.lower().encode():
            return None  # no token: sessions and anonymous callers are not this guard's business
        window = settings.REDLINE_TOKEN_FAILURE_WINDOW_S
        if cache.get(_key(request), 0) >= settings.REDLINE_TOKEN_FAILURE_LIMIT:
            raise exceptions.Throttled(wait=window, detail="Too many wrong API tokens from this address.")
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if cache.add(_key(request), 1, timeout=window) is False:
                cache.incr(_key(request))
            raise
