"""Sending one webhook delivery: signed, no redirects, never to a private address unless allowed.

The body is the JSON payload; `Redline-Signature: t=<unix time>,v1=<hex>` is HMAC-SHA256 of
`"<t>.<body>"` with the hook's secret, so a receiver can check both origin and freshness.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotation.hooks.models import Delivery, DeliveryStatus

MAX_BACKOFF_S = 6 * 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, tolerance_s: int = 300) -> bool:
    """What a receiver does (and what the tests do): the signature matches and is fresh."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    fresh = abs(time.time() - timestamp) <= tolerance_s
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), header)


class Refused(OSError):
    """Not worth retrying: the address is not one Redline may call."""


_NOT_GLOBAL = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("2002::/16"))  # NAT64, 6to4


def checked_address(host: str, port: int) -> str:
    """Resolve `host` once and return the address to connect to, refusing private ones unless allowed.
    The connection goes to this very address, so a second lookup cannot answer differently."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConnectionError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        private = not address.is_global or any(address in net for net in _NOT_GLOBAL)
        if private and not settings.REDLINE_WEBHOOK_ALLOW_PRIVATE:
            raise Refused(f"{host} resolves to a private address ({address})")
    return str(infos[0][4][0])


class _GuardedHTTP(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = socket.create_connection((checked_address(self.host, self.port), self.port), self.timeout)


class _GuardedHTTPS(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = socket.create_connection((checked_address(self.host, self.port), self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPS, req)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not an invitation to call somewhere else


# No proxy from the environment: the guarded connection must be the one that reaches the receiver.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _HTTPHandler, _HTTPSHandler, _NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http(s) URLs with a host")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with _opener.open(request, timeout=settings.REDLINE_WEBHOOK_TIMEOUT_S) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, Refused):
            raise exc.reason from None
        raise


def _claim(delivery_id: int) -> Delivery | None:
    """Take a due delivery for one attempt: the lease (next_attempt_at pushed past the timeout) keeps a
    second task or the resend sweep off it while the POST runs outside any transaction."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("webhook")
            .filter(pk=delivery_id, status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
            .filter(next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None  # delivered, given up, not due yet, or another worker is sending it now
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + timedelta(seconds=settings.REDLINE_WEBHOOK_TIMEOUT_S * 3 + 30)
        delivery.save(update_fields=("attempts", "last_attempt_at", "next_attempt_at"))
    return delivery


def do_attempt(delivery_id: int) -> float | None:
    """Try once. Returns the seconds to wait before the next try, or None when there is none to make."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Redline-Webhooks/1",
        "Redline-Event": delivery.event,
        "Redline-Delivery": str(delivery.pk),
        "Redline-Signature": sign(hook.secret, int(time.time()), body),
    }
    code, error, final = None, "", False
    try:
        code = _post(hook.url, body, headers)
        if not 200 <= code < 300:
            error, final = f"HTTP {code}", 300 <= code < 400  # a redirect will not go away by itself
    except Refused as exc:
        error, final = f"refused: {exc}", True
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timeout, TLS, bad answer
        error = f"{type(exc).__name__}: {exc}"[:500]
    wait = None
    now = timezone.now()
    fields: dict[str, Any] = {"response_code": code, "error": error}
    if not error:
        fields |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif final or delivery.attempts >= settings.REDLINE_WEBHOOK_MAX_ATTEMPTS:
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        wait = min(MAX_BACKOFF_S, settings.REDLINE_WEBHOOK_BACKOFF_S * 2 ** (delivery.attempts - 1))
        fields |= {"status": DeliveryStatus.RETRYING, "next_attempt_at": now + timedelta(seconds=wait)}
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    return wait


def overdue_ids(grace_s: float = 60.0) -> list[int]:
    """Deliveries whose retry should have run a while ago (the worker that held it went away)."""
    cutoff = timezone.now() - timedelta(seconds=grace_s)
    return list(
        Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
        .filter(next_attempt_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    )
