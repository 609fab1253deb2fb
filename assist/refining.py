"""Critique-conditioned refinement: a critic rewrites responses to fix what its chosen critique says.

Requested for a set of items, done by the Celery worker through the same client as critiques.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation.users import User
from assist.critic_settings import CriticSettings
from assist.models import Backend, CriticConfig, Critique, Refinement, RefinementStatus
from assist.pipeline import client_for, max_in_flight
from models_service.prompts import ItemInput
from models_service.refine import refine_messages, refined_response


class RefineRefused(Exception):
    pass


def do_request_refinements(critic: CriticConfig, item_ids: list[int], user: User | None) -> list[int]:
    """Queue a refinement of each item that has the critic's chosen critique and no refinement yet.
    Returns the new refinements' ids (none for a second request)."""
    if critic.backend != Backend.OPENAI:
        raise RefineRefused(f"{critic} cannot rewrite responses: only a model server (vLLM) critic can.")
    from assist.tasks import run_refinements

    with transaction.atomic():
        CriticConfig.objects.select_for_update().get(pk=critic.pk)
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


def execute_refinements(ids: list[int]) -> int:
    """Do the pending refinements of `ids`; returns how many finished."""
    pending = list(
        Refinement.objects.filter(pk__in=ids, status=RefinementStatus.PENDING).select_related(
            "critic", "item", "critique"
        )
    )
    if not pending:
        return 0
    results = asyncio.run(_refine_all(pending))
    for refinement, (status, text, raw, error, latency) in zip(pending, results, strict=True):
        refinement.status, refinement.text, refinement.raw_output = status, text, raw
        refinement.error, refinement.latency_ms, refinement.finished_at = error, latency, timezone.now()
        refinement.save(update_fields=("status", "text", "raw_output", "error", "latency_ms", "finished_at"))
    return sum(1 for result in results if result[0] == RefinementStatus.DONE)


async def _refine_all(pending: list[Refinement]) -> list[tuple[str, str, str, str, int | None]]:
    critic = pending[0].critic
    chosen = CriticSettings.parse(critic.sampling)
    semaphore = asyncio.Semaphore(max_in_flight(chosen))
    async with client_for(critic, chosen) as client:

        async def one(refinement: Refinement) -> tuple[str, str, str, str, int | None]:
            item = refinement.item
            data = ItemInput(kind=item.kind, context=item.context, response=item.response, question=item.question,
                             language=item.language)  # fmt: skip
            critique = refinement.critique.text if refinement.critique else ""
            started = time.monotonic()
            try:
                async with semaphore:
                    reply = await client.chat(
                        refine_messages(data, critique, refinement.prompt_version),
                        temperature=chosen.temperature,
                        max_tokens=max(chosen.max_tokens, len(item.response) // 2 + 256),
                        seed=chosen.seed,
                    )
            except Exception as exc:
                return RefinementStatus.FAILED, "", "", f"{type(exc).__name__}: {exc}"[:2000], None
            raw = reply.choices[0].text if reply.choices else ""
            text = refined_response(raw)
            latency = int((time.monotonic() - started) * 1000)
            if not text.strip():
                return RefinementStatus.FAILED, "", raw, "the model returned no response", latency
            return RefinementStatus.DONE, text, raw, "", latency

        return list(await asyncio.gather(*(one(refinement) for refinement in pending)))


def refinement_counts(critic_id: int, item_ids: list[int]) -> dict[str, Any]:
    rows = Refinement.objects.filter(critic_id=critic_id, item_id__in=item_ids)
    return {status: rows.filter(status=status).count() for status in RefinementStatus.values}
