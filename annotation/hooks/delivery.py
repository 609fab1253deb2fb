"""Sending one webhook delivery: signed, no redirects, never to a private address unless allowed.

The body is the JSON payload; `Redline-Signature: t=<unix time>,v1=<hex>` is HMAC-SHA256 of
`"<t>.<body>"` with the hook's secret, so a receiver can check both origin and freshness.
"""

from __future__ import annotations

import hashlib
import hmac
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


class Refused(Exception):
    """Not worth retrying: the address is not one Redline may call."""


def check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http(s) URLs with a host")
    if settings.REDLINE_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConnectionError(f"cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Refused(f"{parts.hostname} resolves to a private address ({address})")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not an invitation to call somewhere else


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with _opener.open(request, timeout=settings.REDLINE_WEBHOOK_TIMEOUT_S) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def do_attempt(delivery_id: int) -> float | None:
    """Try once. Returns the seconds to wait before the next try, or None when there is none to make."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("webhook")
            .filter(pk=delivery_id, status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
            .first()
        )
        if delivery is None:
            return None  # delivered, given up, or another worker is sending it now
        hook = delivery.webhook
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Redline-Webhooks/1",
            "Redline-Event": delivery.event,
            "Redline-Delivery": str(delivery.pk),
            "Redline-Signature": sign(hook.secret, int(time.time()), body),
        }
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        code, error, final = None, "", False
        try:
            check_address(hook.url)
            code = _post(hook.url, body, headers)
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except Refused as exc:
            error, final = f"refused: {exc}", True
        except (OSError, ValueError) as exc:  # connection refused, timeout, TLS, bad URL
            error = f"{type(exc).__name__}: {exc}"[:500]
        delivery.response_code, delivery.error = code, error
        wait = None
        if not error:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.DELIVERED,
                timezone.now(),
                None,
            )
        elif final or delivery.attempts >= settings.REDLINE_WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            wait = min(MAX_BACKOFF_S, settings.REDLINE_WEBHOOK_BACKOFF_S * 2 ** (delivery.attempts - 1))
            delivery.status, delivery.next_attempt_at = (
                DeliveryStatus.RETRYING,
                timezone.now() + timedelta(seconds=wait),
            )
        delivery.save(
            update_fields=(
                "attempts", "last_attempt_at", "response_code", "error", "status", "delivered_at", "next_attempt_at"
            )
        )  # fmt: skip
    return wait


def overdue_ids(grace_s: float = 60.0) -> list[int]:
    """Deliveries whose retry should have run a while ago (the worker that held it went away)."""
    cutoff = timezone.now() - timedelta(seconds=grace_s)
    return list(
        Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
        .filter(next_attempt_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    )
