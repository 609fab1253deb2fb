"""The worker's half of refinement: rewrite each pending response through the critic's client."""

from __future__ import annotations

import asyncio
import logging
import time

from django.utils import timezone

from assist.critic_settings import CriticSettings
from assist.models import Refinement, RefinementStatus
from assist.pipeline import client_for, max_in_flight
from models_service.prompts import ItemInput
from models_service.refine import refine_messages, refined_response

log = logging.getLogger(__name__)


def execute_refinements(ids: list[int]) -> int:
    """Do the pending refinements of `ids`; returns how many finished."""
    pending = list(
        Refinement.objects.filter(pk__in=ids, status=RefinementStatus.PENDING).select_related(
            "critic", "item", "critique"
        )
    )
    if not pending:
        return 0
    try:
        results = asyncio.run(_refine_all(pending))
    except Exception as exc:
        log.exception("refinements %s failed", ids)
        Refinement.objects.filter(pk__in=[r.pk for r in pending], status=RefinementStatus.PENDING).update(
            status=RefinementStatus.FAILED, error=f"internal error: {type(exc).__name__}", finished_at=timezone.now()
        )
        return 0
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
