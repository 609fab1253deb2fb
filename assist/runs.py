"""Actions on critique runs: check_* validates, do_* changes state; side effects after commit."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from annotation.bulk import insert_rows
from annotation.datasets.models import Item
from annotation.users import User
from assist.critic_settings import CriticSettings, CriticSettingsError
from assist.models import Backend, CriticConfig, CritiqueRun, CritiqueRunItem, RunItemStatus, RunStatus
from assist.progress import refresh_counters
from assist.tasks import run_critiques


class RunRefused(Exception):
    pass


def check_can_run(critic: CriticConfig, items: QuerySet[Item]) -> None:
    if critic.backend == Backend.IMPORTED:
        raise RunRefused(f"{critic.name} is an imported critic: its critiques come from files, not from a model.")
    try:
        CriticSettings.parse(critic.sampling)
    except CriticSettingsError as exc:
        raise RunRefused(f"{critic.name}'s settings are not valid: {exc}") from exc
    if not items.exists():
        raise RunRefused("Choose at least one item.")
    if critic.backend == Backend.EXECUTION:
        unrunnable = items.filter(Q(kind="summary") | Q(tests="")).count()
        if unrunnable:
            raise RunRefused(
                f"The execution critic runs tests: {unrunnable} of the chosen items are not code items with tests."
            )
    if critic.backend == Backend.OPENAI and not (critic.base_url or settings.REDLINE_CRITIC_BASE_URL):
        raise RunRefused("Set the critic's base URL.")


def do_create_run(
    critic: CriticConfig, items: QuerySet[Item], user: User | None, *, samples: int | None = None
) -> CritiqueRun:
    check_can_run(critic, items)
    with transaction.atomic():
        run = CritiqueRun.objects.create(critic=critic, created_by=user, samples=samples)
        item_ids = list(items.order_by("id").values_list("id", flat=True))
        now = timezone.now()
        insert_rows(
            CritiqueRunItem,
            [
                {
                    "run_id": run.pk,
                    "item_id": item_id,
                    "status": RunItemStatus.PENDING,
                    "attempts": 0,
                    "error": "",
                    "updated_at": now,
                }
                for item_id in item_ids
            ],
        )
        run.total = len(item_ids)
        run.save(update_fields=("total",))
        transaction.on_commit(lambda: run_critiques.delay(run.pk))
    return run


def do_cancel_run(run: CritiqueRun) -> None:
    """Ask the worker to stop after the requests in flight; a queued run stops at once."""
    CritiqueRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    )
    CritiqueRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(cancel_requested=True)
    run.refresh_from_db()


def do_retry_failed(run: CritiqueRun) -> int:
    """Put a finished run's failed items back in the queue; returns how many."""
    if run.is_active:
        raise RunRefused("The run is still going; retry its failed items when it has finished.")
    with transaction.atomic():
        count = CritiqueRunItem.objects.filter(run=run, status=RunItemStatus.FAILED).update(
            status=RunItemStatus.PENDING, error="", updated_at=timezone.now()
        )
        if not count:
            raise RunRefused("No failed items to retry.")
        CritiqueRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, cancel_requested=False, finished_at=None, error="", worker=""
        )
        refresh_counters(run.pk)
        transaction.on_commit(lambda: run_critiques.delay(run.pk))
    run.refresh_from_db()
    return count
