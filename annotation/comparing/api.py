"""Comparison tasks through the API: what the page shows (blind: letters, never sources), answers, submit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.response import Response

from annotation.comparing.candidates import open_comparison
from annotation.comparing.models import Candidate, Comparison, CritiqueRating, Inclusion
from annotation.comparing.rating import (
    SCALES,
    Answer,
    ComparisonLocked,
    check_answer,
    check_submit,
    do_answer,
    do_submit_comparison,
    planted_flaws,
)
from annotation.studies.models import Assignment, TaskKind

LETTERS = "ABCD"


class AnswerSerializer(serializers.Serializer[None]):
    letter = serializers.ChoiceField(choices=list(LETTERS), required=False, help_text="The critique (A-D).")
    field = serializers.ChoiceField(choices=[*SCALES, "inclusion", "rationale", "preference"])
    flaw = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text="For inclusion.")
    value = serializers.CharField(allow_blank=True, max_length=5000, help_text="1-7, '' to clear, or text.")


class AnswersSerializer(serializers.Serializer[None]):
    answers = serializers.ListField(child=AnswerSerializer(), min_length=1, max_length=200)


def comparison_view(assignment: Assignment) -> dict[str, Any]:
    comparison = open_comparison(assignment)
    texts = dict(Candidate.objects.filter(pk__in=comparison.shown).values_list("pk", "text"))
    ratings = {r.candidate_id: r for r in CritiqueRating.objects.filter(comparison=comparison)}
    scores = {
        (rating, flaw): score
        for rating, flaw, score in Inclusion.objects.filter(rating__comparison=comparison).values_list(
            "rating_id", "flaw_id", "score"
        )
    }
    flaws = planted_flaws(comparison) if assignment.study.task_kind == TaskKind.COMPARE else []
    shown = []
    for k, pk in enumerate(comparison.shown):
        entry: dict[str, Any] = {"letter": LETTERS[k], "text": texts.get(pk, "")}
        rating = ratings.get(pk)
        if rating is not None:
            entry |= {name: getattr(rating, name) for name in (*SCALES, "rationale")}
            entry["inclusions"] = [
                {"flaw": f.pk, "description": f.description, "score": scores.get((rating.pk, f.pk))} for f in flaws
            ]
        shown.append(entry)
    key = "responses" if assignment.study.task_kind == TaskKind.PREFER else "critiques"
    return {
        "task": assignment.pk,
        "kind": assignment.study.task_kind,
        "status": comparison.status,
        key: shown,
        "preference": comparison.preference,
        "rationale": comparison.rationale,
        "missing": check_submit(comparison),
    }


def _rating_id(comparison: Comparison, letter: str | None) -> int | None:
    if letter is None or LETTERS.index(letter) >= len(comparison.shown):
        return None
    candidate = comparison.shown[LETTERS.index(letter)]
    return (
        CritiqueRating.objects.filter(comparison=comparison, candidate_id=candidate)
        .values_list("pk", flat=True)
        .first()
    )


def save_answers(assignment: Assignment, data: Any) -> Response:
    form = AnswersSerializer(data=data)
    form.is_valid(raise_exception=True)
    comparison = open_comparison(assignment)
    answers = []
    errors = {}
    for n, given in enumerate(form.validated_data["answers"]):
        value = given["value"]
        answer = Answer(
            given["field"],
            value.strip() if given["field"] != "rationale" else value,
            _rating_id(comparison, given.get("letter")),
            given.get("flaw"),
        )
        problem = check_answer(comparison, answer)
        if problem:
            errors[f"answers[{n}]"] = problem
        answers.append(answer)
    if errors:
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)  # none is saved
    try:
        with transaction.atomic():
            for answer in answers:
                do_answer(assignment, answer)
    except ComparisonLocked as exc:
        return Response({"detail": f"Not saved: {exc}"}, status=status.HTTP_409_CONFLICT)
    return Response(comparison_view(assignment))


def submit(assignment: Assignment) -> Response:
    open_comparison(assignment)
    try:
        do_submit_comparison(assignment)
    except ValueError as exc:
        return Response({"detail": f"Not submitted: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
    except ComparisonLocked as exc:
        return Response({"detail": f"Not submitted: {exc}"}, status=status.HTTP_409_CONFLICT)
    return Response(comparison_view(assignment))
