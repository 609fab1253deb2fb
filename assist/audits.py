"""Evaluator audits: set up from datasets whose items record their authors, run by the worker.

A pair is two items with the same source (context and question): one by the audit's own author,
one by another author. Every pair is asked each pairwise question in both orders (so position bias
cancels in the average), and every response of a pair is asked each individual question.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from annotation.datasets.models import Item
from annotation.users import User
from assist.models import AuditQuestion, Backend, CriticConfig, EvaluatorAudit
from assist.tasks import run_audit
from models_service.evaluator import INDIVIDUAL, PAIRWISE

MAX_PAIRS = 5000


class AuditRefused(Exception):
    pass


def pairs_of(items: QuerySet[Item], own_author: str) -> list[tuple[int, int]]:
    """(own item, other item) for every source that has both; each own item paired with each other."""
    by_source: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, context, question, author in items.order_by("pk").values_list("pk", "context", "question", "author"):
        by_source[(context, question)]["own" if author == own_author else "other"].append(pk)
    return [(own, other) for group in by_source.values() for own in group["own"] for other in group["other"]]


def check_audit(evaluator: CriticConfig, items: QuerySet[Item], own_author: str) -> list[tuple[int, int]]:
    if evaluator.backend != Backend.OPENAI:
        raise AuditRefused(f"{evaluator} is not a model server: an audit reads a model's log-probabilities.")
    pairs = pairs_of(items.filter(kind="summary"), own_author)  # the e1 prompts are about summaries
    if not pairs:
        raise AuditRefused(
            f"No source has both a summary by {own_author!r} and one by another author: nothing to compare."
        )
    if len(pairs) > MAX_PAIRS:
        raise AuditRefused(f"{len(pairs)} pairs: at most {MAX_PAIRS} per audit.")
    return pairs


def do_create_audit(evaluator: CriticConfig, items: QuerySet[Item], own_author: str, user: User) -> EvaluatorAudit:
    pairs = check_audit(evaluator, items, own_author)
    with transaction.atomic():
        audit = EvaluatorAudit.objects.create(evaluator=evaluator, own_author=own_author, created_by=user)
        questions = [
            AuditQuestion(audit=audit, ask=f"pair:{ask}", item_id=own, other_item_id=other, own_first=first)
            for own, other in pairs
            for ask in PAIRWISE
            for first in (True, False)
        ]
        subjects = {own for own, _ in pairs} | {other for _, other in pairs}
        own_items = {own for own, _ in pairs}
        questions += [
            AuditQuestion(audit=audit, ask=f"one:{ask}", item_id=pk, subject_is_own=pk in own_items)
            for pk in sorted(subjects)
            for ask in INDIVIDUAL
        ]
        AuditQuestion.objects.bulk_create(questions, batch_size=5000)
        audit.total = len(questions)
        audit.save(update_fields=("total",))
        transaction.on_commit(lambda: run_audit.delay(audit.pk))
    return audit
