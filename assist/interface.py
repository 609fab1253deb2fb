"""The small interface through which annotation (studies) asks about critiques."""

from __future__ import annotations

from collections.abc import Iterable

from annotation.models import Item, User
from assist.models import CriticConfig, Critique
from assist.runs import RunRefused, do_create_run

__all__ = ["RunRefused", "chosen_critique", "critic_choices", "items_missing_chosen_critique", "start_run_for_items"]


def items_missing_chosen_critique(critic_id: int, item_ids: list[int]) -> list[int]:
    """Items of `item_ids` that have no chosen critique by the critic."""
    have = set(
        Critique.objects.filter(critic_id=critic_id, item_id__in=item_ids, chosen=True).values_list(
            "item_id", flat=True
        )
    )
    return [item_id for item_id in item_ids if item_id not in have]


def start_run_for_items(critic_id: int, item_ids: list[int], user: User | None) -> int:
    run = do_create_run(CriticConfig.objects.get(pk=critic_id), Item.objects.filter(pk__in=item_ids), user)
    return run.pk


def chosen_critique(critic_id: int, item_id: int) -> Critique | None:
    """The critique an assisted reviewer is shown, with its comments in order."""
    return (
        Critique.objects.filter(critic_id=critic_id, item_id=item_id, chosen=True).prefetch_related("comments").first()
    )


def critic_choices(ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """(id, name) of critics, all of them or those with the given ids, in id order."""
    critics = CriticConfig.objects.order_by("pk")
    if ids is not None:
        critics = critics.filter(pk__in=list(ids))
    return list(critics.values_list("pk", "name"))
