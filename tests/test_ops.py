"""Operations: /healthz with timings (real database, broker, worker and critic servers), /metrics for
Prometheus, and JSON logs that carry the request's id."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from pythonjsonlogger.json import JsonFormatter

from annotation.ops import health
from annotation.users import User
from assist.models import CriticConfig
from tests.factories import CriticConfigFactory
from tests.standin.process import StandinProcess, free_port
from tests.workers import WorkerProcess


@pytest.fixture(autouse=True)
def fresh_checks() -> Iterator[None]:
    health._cached = None
    yield
    health._cached = None


@pytest.fixture
def critics(researcher: User) -> Iterator[list[CriticConfig]]:
    standin = StandinProcess()
    up = CriticConfigFactory.create(
        name="Reachable critic", backend="openai", base_url=standin.url, model="critic", created_by=researcher
    )
    down = CriticConfigFactory.create(
        name="Gone critic",
        backend="openai",
        base_url=f"http://127.0.0.1:{free_port()}/v1",
        model="critic",
        created_by=researcher,
    )
    yield [up, down]
    standin.stop()


def _admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db(transaction=True)
def test_healthz_times_every_part_and_names_critics_only_to_admins(
    tmp_path: Path, critics: list[CriticConfig], admin_user: User
) -> None:
    worker = WorkerProcess(tmp_path)
    try:
        deadline = time.monotonic() + 15  # a worker answers pings once its control channel is up
        while not health.run_checks()["checks"]["worker"]["ok"] and time.monotonic() < deadline:
            health._cached = None
            time.sleep(0.2)
        health._cached = None
        anonymous = Client().get("/healthz")
        health._cached = None
        detailed = _admin_client(admin_user).get("/healthz").json()
    finally:
        worker.stop()
    assert anonymous.status_code == 200 and anonymous["Cache-Control"].startswith("max-age=0")
    public = anonymous.json()
    assert public["status"] == "degraded"  # one critic does not answer
    for part in ("database", "broker", "worker"):
        assert public["checks"][part]["ok"] is True and public["checks"][part]["ms"] >= 0, detailed["checks"]["worker"]
    assert public["checks"]["worker"]["workers"] >= 1
    assert public["checks"]["critics"] == {"configured": 2, "reachable": 1}
    assert "Gone critic" not in anonymous.content.decode() and "127.0.0.1" not in anonymous.content.decode()
    by_name = {critic["name"]: critic for critic in detailed["checks"]["critics"]}
    assert by_name["Reachable critic"]["ok"] is True and by_name["Reachable critic"]["ms"] > 0
    assert by_name["Gone critic"]["ok"] is False and by_name["Gone critic"]["error"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down() -> None:
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "down"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["database"]["ok"] is True
    assert "error" not in body["checks"]["broker"]  # the reason is for admins


@pytest.mark.django_db
def test_metrics_for_prometheus_with_its_token_or_an_admin(admin_user: User, contractor_client: Client) -> None:
    with override_settings(REDLINE_METRICS_TOKEN="scrape-secret"):
        _check_metrics(admin_user, contractor_client)


def _check_metrics(admin_user: User, contractor_client: Client) -> None:
    Client().get("/login/")
    response = Client().get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in (
        "redline_http_request_duration_seconds_bucket",
        'redline_tasks{state="active"}',
        "redline_active_contractors",
        "redline_critiques_per_second",
        "redline_critique_latency_seconds_bucket",
        "redline_critique_items_pending",
    ):
        assert name in text, name
    assert 'route="login/"' in text
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 302
    assert contractor_client.get("/metrics").status_code == 403
    assert _admin_client(admin_user).get("/metrics").status_code == 200


@pytest.mark.django_db
def test_every_response_has_a_request_id_and_logs_are_json_with_it() -> None:
    first, second = Client().get("/login/"), Client().get("/login/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    spec: dict[str, Any] = settings.LOGGING["formatters"]["json"]  # type: ignore[index]
    formatter = JsonFormatter(spec["format"], rename_fields=spec["rename_fields"])
    record = logging.LogRecord("annotation", logging.WARNING, __file__, 1, "item %s failed", (7,), None)
    record.request_id = first["X-Request-ID"]
    line = json.loads(formatter.format(record))
    assert line["message"] == "item 7 failed" and line["level"] == "WARNING" and line["logger"] == "annotation"
    assert line["request_id"] == first["X-Request-ID"] and "time" in line
