"""The small interface through which annotation (studies) asks about critiques."""

from __future__ import annotations

from annotation.models import Item, User
from assist.models import CriticConfig, Critique
from assist.runs import do_create_run


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
