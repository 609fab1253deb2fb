"""The worker's side of webhooks: one delivery attempt per task, the next one scheduled with backoff."""

from __future__ import annotations

from celery import shared_task

from annotation.hooks.delivery import do_attempt, overdue_ids


@shared_task
def deliver_webhook(delivery_id: int) -> str:
    wait = do_attempt(delivery_id)
    if wait is None:
        return "settled"
    deliver_webhook.apply_async((delivery_id,), countdown=wait + 1)  # a moment after it falls due
    return f"retry in {wait:.0f}s"


@shared_task
def resend_overdue_deliveries() -> int:
    """Beat: retries whose scheduled task was lost with its worker are sent again."""
    ids = overdue_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
