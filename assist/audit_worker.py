"""The worker's half of an evaluator audit: ask every question, read the answers from log-probabilities."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from assist.critic_settings import CriticSettings
from assist.models import AuditQuestion, EvaluatorAudit, RunStatus
from assist.pipeline import client_for, max_in_flight
from models_service.client import CriticClient
from models_service.errors import CriticError
from models_service.evaluator import (
    NoLogprobs,
    expected_score,
    individual_messages,
    option_probability,
    pairwise_messages,
)


async def _answer(client: CriticClient, question: AuditQuestion, version: str) -> tuple[float, float | None]:
    """(value, P(first)) of one question."""
    kind, ask = question.ask.split(":")
    item = question.item
    if kind == "pair":
        other = question.other_item
        assert other is not None
        first, second = (item, other) if question.own_first else (other, item)
        messages = pairwise_messages(ask, item.context, item.question, first.response, second.response, version)  # type: ignore[arg-type]
        reply = await client.chat(messages, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=20)
        p_first = option_probability(reply.choices[0], "1", "2")
        return (p_first if question.own_first else 1 - p_first), p_first
    messages = individual_messages(ask, item.context, item.question, item.response, version)  # type: ignore[arg-type]
    reply = await client.chat(messages, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=20)
    if ask == "score":
        return expected_score(reply.choices[0]), None
    return option_probability(reply.choices[0], "Yes", "No"), None


async def _run(audit: EvaluatorAudit, questions: list[AuditQuestion]) -> list[tuple[AuditQuestion, Any, Any, str]]:
    chosen = CriticSettings.parse(audit.evaluator.sampling)
    semaphore = asyncio.Semaphore(max_in_flight(chosen))
    async with client_for(audit.evaluator, chosen) as client:

        async def one(question: AuditQuestion) -> tuple[AuditQuestion, Any, Any, str]:
            async with semaphore:
                try:
                    value, p_first = await _answer(client, question, audit.prompt_version)
                except (CriticError, NoLogprobs, IndexError) as exc:
                    return question, None, None, str(getattr(exc, "reason", exc)) or type(exc).__name__
            if not math.isfinite(value):
                return question, None, None, "the server's log-probabilities were not finite numbers"
            return question, value, p_first, ""

        return list(await asyncio.gather(*(one(q) for q in questions)))


def execute_audit(audit_id: int, batch: int = 100) -> str:
    """Answer every unanswered question, in batches (progress shows between them). Safe to repeat."""
    audit = EvaluatorAudit.objects.select_related("evaluator").get(pk=audit_id)
    if audit.status in (RunStatus.DONE, RunStatus.CANCELLED):
        return "finished already"
    EvaluatorAudit.objects.filter(pk=audit_id).update(status=RunStatus.RUNNING)
    pending = AuditQuestion.objects.filter(audit=audit, value__isnull=True, error="").select_related(
        "item", "other_item"
    )
    try:
        while chunk := list(pending.order_by("pk")[:batch]):
            answered = asyncio.run(_run(audit, chunk))
            for question, value, p_first, error in answered:
                question.value, question.p_first, question.error = value, p_first, error[:2000]
            with transaction.atomic():
                AuditQuestion.objects.bulk_update([a[0] for a in answered], ("value", "p_first", "error"))
                counts = AuditQuestion.objects.filter(audit_id=audit_id).aggregate(
                    done=Count("pk", filter=Q(value__isnull=False)), failed=Count("pk", filter=~Q(error=""))
                )
                EvaluatorAudit.objects.filter(pk=audit_id).update(**counts)
    except Exception as exc:
        EvaluatorAudit.objects.filter(pk=audit_id).update(status=RunStatus.FAILED, error=repr(exc)[:2000])
        raise
    audit.refresh_from_db()
    final = RunStatus.FAILED if audit.failed and not audit.done else RunStatus.DONE
    errors = list(AuditQuestion.objects.filter(audit=audit).exclude(error="").values_list("error", flat=True)[:1])
    EvaluatorAudit.objects.filter(pk=audit_id).update(
        status=final, finished_at=timezone.now(), error=errors[0] if final == RunStatus.FAILED and errors else ""
    )
    return f"{final}: {audit.done} answered, {audit.failed} failed"
