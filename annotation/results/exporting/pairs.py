"""Preference pairs for reward-model training: (prompt, chosen, rejected).

Comment pairs: within one review, every AI comment the contractor accepted is preferred to
every comment of the same critique they rejected as wrong. Critique pairs: of the critiques of
one item, each judged helpful is preferred to each judged not helpful, by the human label the
critique came with (as in the OpenAI helpfulness release) or else by the majority of the
study's contractors. The prompt holds the item's context, question and response.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django.db.models import Count, Q

from annotation.datasets.models import Item
from annotation.labeling.models import CommentJudgement, ReviewStatus
from annotation.studies.models import Study
from assist.interface import critique_rows_for_items

PAIRS = {
    "review_id": "int", "item_id": "int", "contractor": "str", "prompt": "str", "chosen": "str", "rejected": "str",
    "chosen_comment_id": "int", "rejected_comment_id": "int",
}  # fmt: skip
CRITIQUE_PAIRS = {
    "item_id": "int", "prompt": "str", "chosen": "str", "rejected": "str", "chosen_critique_id": "int",
    "rejected_critique_id": "int", "chosen_critic": "str", "rejected_critic": "str", "label_source": "str",
}  # fmt: skip

type Votes = dict[int, tuple[int, int]]


def _prompt(context: str, question: str, response: str) -> str:
    asked = f"\n\nQuestion: {question}" if question else ""
    return f"{context}{asked}\n\nResponse:\n{response}\n\nPoint out the flaws in the response."


def preference_pairs(study: Study) -> Iterator[tuple[Any, ...]]:
    judged = (
        CommentJudgement.objects.filter(
            review__assignment__study=study,
            review__assignment__purpose="task",
            review__status="submitted",
            action__in=("accepted", "rejected"),
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


def study_votes(study: Study) -> Votes:
    """Per critique: how many contractors marked one of its comments helpful, and not helpful."""
    counted = (
        CommentJudgement.objects.filter(
            review__assignment__study=study,
            review__assignment__purpose="task",
            review__status=ReviewStatus.SUBMITTED,
            comment__isnull=False,
        )
        .values("comment__critique_id")
        .annotate(yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False)))
        .order_by()
    )
    return {row["comment__critique_id"]: (row["yes"], row["no"]) for row in counted}


def helpfulness(label: bool | None, votes: tuple[int, int]) -> tuple[bool | None, str]:
    if label is not None:
        return label, "label"
    yes, no = votes
    return (yes > no, "votes") if yes != no else (None, "")


def critique_pairs(study: Study) -> Iterator[tuple[Any, ...]]:
    votes = study_votes(study)
    critiques = critique_rows_for_items(Item.objects.filter(studyitem__study=study))
    for item_id, rows in groupby(critiques, key=lambda row: row[0]):
        judged = [(row, *helpfulness(row[3], votes.get(row[1], (0, 0)))) for row in rows]
        good = [(row, source) for row, verdict, source in judged if verdict is True]
        bad = [(row, source) for row, verdict, source in judged if verdict is False]
        if not (good and bad):
            continue
        prompt = _prompt(good[0][0][5], good[0][0][6], good[0][0][7])
        for chosen, chosen_source in good:
            for rejected, rejected_source in bad:
                source = chosen_source if chosen_source == rejected_source else "mixed"
                yield (item_id, prompt, chosen[2], rejected[2], chosen[1], rejected[1], chosen[4], rejected[4], source)
