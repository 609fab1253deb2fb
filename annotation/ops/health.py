"""/healthz: is Redline up, and is each part it needs reachable — with timings.

The database and the broker decide the status code (503 when either is down); a missing worker or
an unreachable critic makes the answer "degraded" (200), because pages still work without them.
Checks run at most once per HEALTH_TTL_S per process, so polling cannot hammer the critics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from django.conf import settings
from django.db import connection
from kombu import Connection

from assist.interface import critic_endpoints
from config.celery import app

HEALTH_TTL_S = 5.0
CRITIC_TIMEOUT_S = 2.0
WORKER_TIMEOUT_S = 1.0
_cached: tuple[float, dict[str, Any]] | None = None


def _timed(check: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        extra = check() or {}
        result: dict[str, Any] = {"ok": True, **extra}
    except Exception as exc:  # a health check reports every failure; it never raises
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(settings.CELERY_BROKER_URL, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _worker() -> dict[str, Any]:
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return {"ok": None, "detail": "the embedded queue cannot be pinged; use Redis to check workers"}
    replies = app.control.ping(timeout=WORKER_TIMEOUT_S) or []
    if not replies:
        raise RuntimeError(f"no worker answered a ping within {WORKER_TIMEOUT_S:g} s")
    return {"workers": len(replies)}


async def _critic(session: aiohttp.ClientSession, name: str, base_url: str, model: str) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {"name": name}
    try:
        async with session.get(base_url.rstrip("/") + "/models") as response:
            served = [entry.get("id") for entry in (await response.json()).get("data", [])]
            result["ok"] = response.status == 200 and (model in served or not served)
            if not result["ok"]:
                result["error"] = f"HTTP {response.status}" if response.status != 200 else f"{model!r} not served"
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError) as exc:
        result.update(ok=False, error=type(exc).__name__)
    result["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return result


async def _critics(endpoints: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    timeout = aiohttp.ClientTimeout(total=CRITIC_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return list(await asyncio.gather(*(_critic(session, *endpoint) for endpoint in endpoints)))


def run_checks() -> dict[str, Any]:
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < HEALTH_TTL_S:
        return _cached[1]
    checks: dict[str, Any] = {"database": _timed(_database), "broker": _timed(_broker), "worker": _timed(_worker)}
    endpoints = critic_endpoints() if checks["database"]["ok"] else []
    checks["critics"] = asyncio.run(_critics(endpoints)) if endpoints else []
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        status = "down"
    elif checks["worker"]["ok"] is False or not all(critic["ok"] for critic in checks["critics"]):
        status = "degraded"
    else:
        status = "ok"
    report = {"status": status, "checks": checks}
    _cached = (now, report)
    return report


def public_view(report: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see: no critic names, addresses or error texts; only what answers, and how fast."""
    critics = report["checks"]["critics"]
    checks: dict[str, Any] = {
        name: {key: value for key, value in check.items() if key in ("ok", "ms", "workers")}
        for name, check in report["checks"].items()
        if name != "critics"
    }
    checks["critics"] = {"configured": len(critics), "reachable": sum(1 for c in critics if c["ok"])}
    return {"status": report["status"], "checks": checks}
