"""Events worth a webhook, emitted after the change that caused them is committed.

A hook hears about what its owner may see: their own studies, exports and runs; an admin's hooks
hear about everything.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotation.hooks.models import Delivery, Event, Webhook
from annotation.users import Role

log = logging.getLogger(__name__)


LISTENED_TTL_S = 5.0


@dataclass
class _Listened:
    events: set[str] = field(default_factory=set)
    until: float = 0.0


_listened = _Listened()


def listened_events() -> set[str]:
    """The events some active hook listens to, cached a few seconds per process: with no webhook at
    all (most installations) an event costs no query. A new hook hears events within LISTENED_TTL_S."""
    now = time.monotonic()
    if _listened.until < now:
        events: set[str] = set()
        for names in Webhook.objects.filter(active=True).values_list("events", flat=True):
            events.update(names)
        _listened.events, _listened.until = events, now + LISTENED_TTL_S
    return _listened.events


def forget_listened(**kwargs: object) -> None:
    """post_save / post_delete of a Webhook: this process looks again at once (others within the TTL)."""
    _listened.until = 0.0


def hooks_for(event: str, owner_id: int | None) -> list[Webhook]:
    """Active hooks listening to `event` whose owner may still hear it: the object's owner while a
    researcher, and admins. Events are matched here rather than in SQL (SQLite has no JSON contains)."""
    audience = Q(owner__groups__name=Role.ADMIN) | Q(owner__is_superuser=True)
    if owner_id is not None:
        audience |= Q(owner_id=owner_id)
    hooks = Webhook.objects.filter(audience, active=True, owner__is_active=True).select_related("owner").distinct()
    return [hook for hook in hooks if event in hook.events and hook.owner.is_researcher]


def emit(event: Event, owner_id: int | None, data: dict[str, Any]) -> None:
    """Queue a delivery of `event` to every hook that listens, once the current transaction commits."""

    def queue() -> None:
        if event not in listened_events():
            return
        hooks = hooks_for(event, owner_id)
        if hooks:
            do_queue_deliveries(hooks, event, data)

    transaction.on_commit(queue, robust=True)  # a broker down must not fail the request that caused the event


def do_queue_deliveries(hooks: list[Webhook], event: str, data: dict[str, Any]) -> list[Delivery]:
    from annotation.hooks.celery_jobs import deliver_webhook  # the worker's task module imports this one

    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                webhook=hook,
                event=event,
                payload={"event": event, "at": now.isoformat(), "data": data},
                next_attempt_at=now,
            )
            for hook in hooks
        ]
    )
    for delivery in deliveries:
        try:
            deliver_webhook.delay(delivery.pk)
        except Exception:  # the broker is away: beat's resend sweep sends it once it is back
            log.warning("webhook delivery %s queued for the resend sweep", delivery.pk, exc_info=True)
    return deliveries
