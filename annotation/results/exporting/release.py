"""The OpenAI critiques release format (Saunders et al. 2022): one line per passage.

Items imported from the release keep the fields Redline has no column for in
metadata["openai"], with the order of the source's keys, so they are written back as they
came: importing the export gives the same rows. Other items become one passage each, with
every critique Redline holds for them and, in a study export, the contractors' helpfulness
votes on its comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django.db.models import QuerySet

from annotation.datasets.importing.formats.openai_critiques import CRITIC_PREFIX, ROW_KEYS
from annotation.datasets.models import Item
from annotation.results.exporting.pairs import Votes, helpfulness
from assist.interface import Critique, critiques_prefetch

HELPFULNESS = f"{CRITIC_PREFIX}/helpfulness"
LABELER = f"{CRITIC_PREFIX}/critiques"
CHUNK = 2000


def _ordered(keys: list[str] | None, values: dict[str, Any]) -> dict[str, Any]:
    if not keys:
        return values
    first = {key: values[key] for key in keys if key in values}
    return first | {key: value for key, value in values.items() if key not in first}


def _redline_critique(critique: Critique, votes: Votes) -> dict[str, Any]:
    yes, no = votes.get(critique.pk, (0, 0))
    helpful, _ = helpfulness(critique.helpful, (yes, no))
    feedback = {"helpful": helpful, "votes_helpful": yes, "votes_not_helpful": no}
    return {"critique": critique.text, "feedback": feedback, "critic": critique.critic.name}


def _answer(item: Item, meta: dict[str, Any], votes: Votes) -> dict[str, Any]:
    keys = meta.get("keys", {})
    critiques = list(item.critiques.all())
    helpful = [
        {"critique": c.text, "feedback": c.metadata.get("feedback", {"helpful": c.helpful})}
        for c in critiques
        if c.critic.name == HELPFULNESS
    ]
    # Critiques Redline generated for a release item (a study's critic) follow the release's own.
    helpful += [_redline_critique(c, votes) for c in critiques if c.critic.name not in (HELPFULNESS, LABELER)]
    labeler = [{"text": c.text, **c.metadata} for c in critiques if c.critic.name == LABELER]
    values: dict[str, Any] = {"answer": item.response, **meta.get("answer", {})}
    if helpful or "critiques" in keys.get("answer", ()):
        values["critiques"] = helpful
    feedback = dict(meta.get("feedback", {}))
    if labeler or "critiques" in keys.get("feedback", ()):
        feedback["critiques"] = labeler
    if feedback or "feedback" in keys.get("answer", ()):
        values["feedback"] = _ordered(keys.get("feedback"), feedback)
    return values


def _release_row(group: list[Item], votes: Votes) -> dict[str, Any]:
    head = group[0].metadata["openai"]
    questions: dict[int, dict[str, Any]] = {}
    question_keys: dict[int, list[str] | None] = {}
    for item in group:
        meta = item.metadata["openai"]
        keys = meta.get("keys", {})
        question_keys[meta["question_index"]] = keys.get("question")
        answer = _answer(item, meta, votes)
        if meta.get("inline_answer"):
            values = {"question": item.question, **meta.get("question", {}), **answer}
            questions[meta["question_index"]] = _ordered(keys.get("question"), values)
            continue
        question = questions.setdefault(
            meta["question_index"], {"question": item.question, **meta.get("question", {}), "answers": []}
        )
        question["answers"].append(_ordered(keys.get("answer"), answer))
    ordered_questions = [_ordered(question_keys[index], questions[index]) for index in sorted(questions)]
    row = {key: head[key] for key in ROW_KEYS if key in head}
    passage = {"text": group[0].context, "title": head.get("title")}
    return row | {"data": {"passage": passage, "questions": ordered_questions}}


def _redline_row(item: Item, votes: Votes) -> dict[str, Any]:
    critiques = [_redline_critique(critique, votes) for critique in item.critiques.all()]
    answer = {"answer": item.response, "author": item.author, "critiques": critiques}
    return {
        "id": f"redline-item-{item.pk}",
        "source_id": item.external_id or None,
        "split": item.dataset.name,
        "kind": item.kind,
        "data": {
            "passage": {"text": item.context, "title": None},
            "questions": [{"question": item.question, "answers": [answer]}],
        },
    }


def _group_key(item: Item) -> tuple[Any, ...]:
    meta = item.metadata.get("openai") if isinstance(item.metadata, dict) else None
    if isinstance(meta, dict) and "question_index" in meta:
        return ("release", item.dataset_id, meta.get("id"))
    return ("item", item.pk)


def release_rows(items: QuerySet[Item], votes: Votes | None = None) -> Iterator[tuple[dict[str, Any], int]]:
    """Each line of the file, with the number of items it holds."""
    queryset = (
        items.select_related("dataset")
        .order_by("dataset_id", "id")
        .prefetch_related(critiques_prefetch(usable_only=True))
    )
    # Items of one passage were imported together, so they are consecutive in id order.
    for key, group in groupby(queryset.iterator(chunk_size=CHUNK), key=_group_key):
        members = list(group)
        if key[0] == "release":
            yield _release_row(members, votes or {}), len(members)
        else:
            yield from ((_redline_row(item, votes or {}), 1) for item in members)
