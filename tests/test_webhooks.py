"""Webhooks: signed deliveries to a real socket, retries with backoff and a log of every attempt, no
redirects followed and no private address called unless allowed, events from a real worker, and
the pages where a researcher manages their hooks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotation.hooks.delivery import do_attempt, sign, verify
from annotation.hooks.events import do_queue_deliveries, hooks_for
from annotation.hooks.models import Delivery, Webhook
from annotation.users import User
from tests.conftest import client_for
from tests.crowd import submit
from tests.receiver import receiver
from tests.studies import give, make_world
from tests.workers import WorkerProcess

ALL = ["task.submitted", "study.completed", "export.ready", "run.finished"]


def _delivery(owner: User, url: str) -> Delivery:
    hook = Webhook.objects.create(owner=owner, url=url, events=ALL)
    return Delivery.objects.create(webhook=hook, event="ping", payload={"event": "ping", "data": {"n": 1}})


@pytest.mark.django_db
def test_a_delivery_is_signed_so_the_receiver_can_check_it(researcher: User, settings: Any) -> None:
    settings.REDLINE_WEBHOOK_ALLOW_PRIVATE = True
    with receiver() as box:
        delivery = _delivery(researcher, box.url)
        assert do_attempt(delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    [got] = box.received
    assert got.headers["Redline-Event"] == "ping" and got.headers["Redline-Delivery"] == str(delivery.pk)
    assert json.loads(got.body) == {"event": "ping", "data": {"n": 1}}
    secret = delivery.webhook.secret
    assert verify(secret, got.headers["Redline-Signature"], got.body)
    assert not verify(secret, got.headers["Redline-Signature"], got.body + b" ")
    assert not verify("whsec_other", got.headers["Redline-Signature"], got.body)
    stale = sign(secret, int(time.time()) - 3600, got.body)
    assert not verify(secret, stale, got.body) and not verify(secret, "garbage", got.body)
    assert do_attempt(delivery.pk) is None and len(box.received) == 1  # delivered once, never again


@pytest.mark.django_db
def test_failures_are_retried_with_backoff_then_given_up(researcher: User, settings: Any) -> None:
    settings.REDLINE_WEBHOOK_ALLOW_PRIVATE = True
    settings.REDLINE_WEBHOOK_MAX_ATTEMPTS, settings.REDLINE_WEBHOOK_BACKOFF_S = 3, 10.0
    with receiver([500, 503, 502]) as box:
        delivery = _delivery(researcher, box.url)
        waits = []
        for _ in range(3):
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its time has come
            waits.append(do_attempt(delivery.pk))
        assert do_attempt(delivery.pk) is None  # given up: nothing more is sent
    delivery.refresh_from_db()
    assert waits == [10.0, 20.0, None] and len(box.received) == 3
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == (
        "failed",
        3,
        502,
        "HTTP 502",
    )


@pytest.mark.django_db
def test_no_redirect_is_followed_and_no_private_address_called(researcher: User, settings: Any) -> None:
    settings.REDLINE_WEBHOOK_ALLOW_PRIVATE = True
    with receiver([302], location="http://127.0.0.1:9/elsewhere") as box:
        delivery = _delivery(researcher, box.url)
        assert do_attempt(delivery.pk) is None  # a redirect is final: it will not go away by retrying
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == ("failed", 302) and len(box.received) == 1
    settings.REDLINE_WEBHOOK_ALLOW_PRIVATE = False
    with receiver() as box:  # a live receiver on loopback: the guarded connection never reaches it
        blocked = _delivery(researcher, box.url.replace("127.0.0.1", "localhost"))
        assert do_attempt(blocked.pk) is None and box.received == []
    for url in ("http://127.0.0.1:8000/x", "http://localhost/x", "http://10.0.0.7/x", "http://[::1]/x"):
        blocked = _delivery(researcher, url)
        assert do_attempt(blocked.pk) is None
        blocked.refresh_from_db()
        assert blocked.status == "failed" and blocked.error.startswith("refused:"), url


@pytest.mark.django_db
def test_a_hook_hears_its_owners_events_and_an_admins_hears_all(
    researcher: User, other_researcher: User, admin_user: User
) -> None:
    mine = Webhook.objects.create(owner=researcher, url="http://a.example/", events=["task.submitted"])
    Webhook.objects.create(owner=other_researcher, url="http://b.example/", events=["task.submitted"])
    watcher = Webhook.objects.create(owner=admin_user, url="http://c.example/", events=["task.submitted"])
    Webhook.objects.create(owner=researcher, url="http://d.example/", events=["export.ready"])
    Webhook.objects.create(owner=researcher, url="http://e.example/", events=["task.submitted"], active=False)
    assert {hook.pk for hook in hooks_for("task.submitted", researcher.pk)} == {mine.pk, watcher.pk}
    assert {hook.pk for hook in hooks_for("task.submitted", None)} == {watcher.pk}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_tells_the_researcher_about_submits_and_the_finished_study(
    tmp_path: Path, researcher: User, contractor: User
) -> None:
    world = make_world(researcher, [contractor], items=1)
    task = give(world, contractor, world.unassisted, world.items[0])
    env = {"REDLINE_WEBHOOK_ALLOW_PRIVATE": "1", "REDLINE_WEBHOOK_BACKOFF_S": "0.5"}
    with receiver([500]) as box:  # the first answer fails: the worker tries again
        hook = Webhook.objects.create(owner=researcher, url=box.url, events=["task.submitted", "study.completed"])
        worker = WorkerProcess(tmp_path, env=env)
        try:
            submit(task, catch=True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and Delivery.objects.filter(webhook=hook, status="delivered").count() < 2:
                time.sleep(0.2)
        finally:
            worker.stop()
    deliveries = {d.event: d for d in Delivery.objects.filter(webhook=hook)}
    assert set(deliveries) == {"task.submitted", "study.completed"}, worker.output[-2000:]
    assert all(d.status == "delivered" for d in deliveries.values()), worker.output[-2000:]
    assert sorted(d.attempts for d in deliveries.values()) == [1, 2]
    bodies = [json.loads(got.body) for got in box.received]
    submitted = next(b for b in bodies if b["event"] == "task.submitted")
    assert submitted["data"]["task"] == task.pk and submitted["data"]["purpose"] == "task"
    assert all(verify(hook.secret, got.headers["Redline-Signature"], got.body) for got in box.received)
    world.study.refresh_from_db()
    assert world.study.finished_at is not None


@pytest.mark.django_db
def test_the_pages_add_a_hook_show_its_log_and_refuse_bad_urls(researcher: User, other_researcher: User) -> None:
    client = client_for(researcher)
    bad = client.post(reverse("webhook-list"), {"url": "ftp://example.org/x", "events": ["task.submitted"]})
    assert bad.status_code == 400 and "Enter a valid URL" in bad.content.decode()
    none = client.post(reverse("webhook-list"), {"url": "https://example.org/x"})
    assert none.status_code == 400 and "This field is required" in none.content.decode()
    made = client.post(reverse("webhook-list"), {"url": "https://example.org/x", "events": ["task.submitted"]})
    hook = Webhook.objects.get()
    assert made["Location"] == reverse("webhook-detail", args=[hook.pk])
    do_queue_deliveries([hook], "ping", {"n": 1})
    page = client.get(reverse("webhook-detail", args=[hook.pk])).content.decode()
    assert hook.secret in page and "ping" in page and 'id="deliveries"' in page
    assert client_for(other_researcher).get(reverse("webhook-detail", args=[hook.pk])).status_code == 404
    assert "https://example.org/x" not in client_for(other_researcher).get(reverse("webhook-list")).content.decode()
    assert Client().get(reverse("webhook-list")).status_code == 302
