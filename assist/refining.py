"""Critique-conditioned refinement: a critic rewrites responses to fix what its chosen critique says.

Requested for a set of items, done by the Celery worker through the same client as critiques.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation.users import User
from assist.models import Backend, CriticConfig, Critique, Refinement, RefinementStatus
from assist.tasks import run_refinements

PENDING_FOR = timedelta(minutes=15)  # a refinement not written by then was lost with its job


class RefineRefused(Exception):
    pass


def stale_before() -> datetime:
    return timezone.now() - PENDING_FOR


def do_request_refinements(critic: CriticConfig, item_ids: list[int], user: User | None) -> list[int]:
    """Queue a refinement of each item that has the critic's chosen critique and no refinement yet.
    Returns the new refinements' ids (none for a second request)."""
    if critic.backend != Backend.OPENAI:
        raise RefineRefused(f"{critic} cannot rewrite responses: only a model server (vLLM) critic can.")
    with transaction.atomic():
        CriticConfig.objects.select_for_update().get(pk=critic.pk)
        lost = Refinement.objects.filter(
            critic=critic, item_id__in=item_ids, status=RefinementStatus.PENDING, created_at__lt=stale_before()
        )
        lost.update(status=RefinementStatus.FAILED, error="lost: no worker finished it", finished_at=timezone.now())
        have = set(
            Refinement.objects.filter(critic=critic, item_id__in=item_ids)
            .exclude(status=RefinementStatus.FAILED)
            .values_list("item_id", flat=True)
        )
        critiques = dict(
            Critique.objects.filter(critic=critic, item_id__in=item_ids, chosen=True).values_list("item_id", "pk")
        )
        wanted = [item_id for item_id in item_ids if item_id in critiques and item_id not in have]
        created = Refinement.objects.bulk_create(
            [Refinement(item_id=item_id, critic=critic, critique_id=critiques[item_id]) for item_id in wanted]
        )
        ids = [refinement.pk for refinement in created]
        if ids:
            transaction.on_commit(lambda: run_refinements.delay(ids))
    return ids


def refined_texts(critic_id: int, item_ids: list[int]) -> dict[int, str]:
    """item -> the critic's latest finished refinement of it."""
    found: dict[int, str] = {}
    rows = Refinement.objects.filter(critic_id=critic_id, item_id__in=item_ids, status=RefinementStatus.DONE)
    for item_id, text in rows.order_by("item_id", "pk").values_list("item_id", "text"):
        found[item_id] = text
    return found


def refinement_counts(critic_id: int, item_ids: list[int]) -> dict[str, Any]:
    rows = Refinement.objects.filter(critic_id=critic_id, item_id__in=item_ids)
    return {status: rows.filter(status=status).count() for status in RefinementStatus.values}
