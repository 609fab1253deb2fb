"""Preference pairs for reward-model training, from what contractors did with AI comments.

Within one review, every comment the contractor accepted is preferred to every comment of the
same critique they rejected as wrong: (prompt, chosen, rejected), with the prompt holding the
item's context, question and response.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from annotation.models import CommentJudgement, Study

PAIRS = {
    "review_id": "int", "item_id": "int", "contractor": "str", "prompt": "str", "chosen": "str", "rejected": "str",
    "chosen_comment_id": "int", "rejected_comment_id": "int",
}  # fmt: skip


def _prompt(context: str, question: str, response: str) -> str:
    asked = f"\n\nQuestion: {question}" if question else ""
    return f"{context}{asked}\n\nResponse:\n{response}\n\nPoint out the flaws in the response."


def preference_pairs(study: Study) -> Iterator[tuple[Any, ...]]:
    judged = (
        CommentJudgement.objects.filter(
            review__assignment__study=study, review__status="submitted", action__in=("accepted", "rejected")
        )
        .order_by("review_id", "position")
        .values_list(
            "review_id",
            "review__assignment__item_id",
            "review__assignment__contractor__username",
            "review__assignment__item__context",
            "review__assignment__item__question",
            "review__assignment__item__response",
            "action",
            "shown_text",
            "comment_id",
        )
        .iterator(chunk_size=2000)
    )
    for review, rows in groupby(judged, key=lambda row: row[0]):
        group = list(rows)
        accepted = [row for row in group if row[6] == "accepted"]
        rejected = [row for row in group if row[6] == "rejected"]
        for good in accepted:
            for bad in rejected:
                prompt = _prompt(good[3], good[4], good[5])
                yield (review, good[1], good[2], prompt, good[7], bad[7], good[8], bad[8])
