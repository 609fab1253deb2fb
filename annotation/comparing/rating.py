"""What a contractor does in a comparison task: rate each critique on 1-7 scales (autosaved one
answer at a time), or state a preference between two responses, and submit.

check_* says what is wrong with an answer or what is missing; do_* saves it under a row lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from annotation.comparing.models import Comparison, ComparisonStatus, CritiqueRating, Inclusion
from annotation.datasets.models import PlantedFlaw
from annotation.hooks.receivers import task_submitted
from annotation.studies.models import Assignment, AssignmentStatus, StudyStatus, TaskKind

SCALES = ("missed_severe", "nitpicks", "hallucination", "conciseness", "overall")
MAX_RATIONALE = 5000


class ComparisonLocked(Exception):
    """Submitted, or the study is closed: the comparison can no longer change."""


@dataclass(frozen=True)
class Answer:
    """One answer: a scale of a critique, a planted flaw's inclusion, a critique's rationale, or
    (response comparisons) the preference or its rationale."""

    field: str
    value: str
    rating_id: int | None = None
    flaw_id: int | None = None


def planted_flaws(comparison: Comparison) -> list[PlantedFlaw]:
    return list(PlantedFlaw.objects.filter(item_id=comparison.assignment.item_id).order_by("start", "id"))


def check_answer(comparison: Comparison, answer: Answer) -> str:
    """Why the answer cannot be saved, or ''."""
    if answer.field == "rationale" and len(answer.value) > MAX_RATIONALE:
        return f"Keep the rationale under {MAX_RATIONALE} characters."
    if comparison.assignment.study.task_kind == TaskKind.PREFER:
        if answer.field == "rationale":
            return ""
        if answer.field != "preference":
            return "A response comparison has a preference and a rationale."
    else:
        if answer.rating_id is None or not comparison.ratings.filter(pk=answer.rating_id).exists():
            return "No such critique in this task."
        if answer.field == "rationale":
            return ""
        if answer.field == "inclusion":
            if answer.flaw_id is None or not any(flaw.pk == answer.flaw_id for flaw in planted_flaws(comparison)):
                return "No such problem in this task."
        elif answer.field not in SCALES:
            return f"Unknown question {answer.field!r}."
    return "" if _score(answer.value) is not None or answer.value == "" else "Choose 1 to 7."


def _score(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[1-7]", value) else None


def _lock(assignment: Assignment, *, submitting: bool = False) -> Comparison | None:
    """The task's comparison under a row lock (the assignment first, as everywhere), if it may
    change; None when submitting one already submitted (a retry or a double click)."""
    locked = Assignment.objects.select_for_update().select_related("study").get(pk=assignment.pk)
    comparison = Comparison.objects.select_for_update().filter(assignment=locked).first()
    if comparison is None or locked.contractor_id != assignment.contractor_id:
        raise ComparisonLocked("the task is no longer yours.")
    if comparison.status == ComparisonStatus.SUBMITTED:
        if submitting:
            return None
        raise ComparisonLocked("it was submitted and can no longer change.")
    if locked.study.status != StudyStatus.RUNNING:
        raise ComparisonLocked("the study is closed.")
    if locked.status != AssignmentStatus.ACTIVE:
        raise ComparisonLocked("the task is no longer yours.")
    return comparison


def do_answer(assignment: Assignment, answer: Answer) -> Comparison:
    """Save one answer (an empty value clears it)."""
    with transaction.atomic():
        comparison = _lock(assignment)
        assert comparison is not None
        score = _score(answer.value)
        if answer.field == "preference":
            comparison.preference = score
        elif answer.field == "rationale" and answer.rating_id is None:
            comparison.rationale = answer.value
        elif answer.field == "inclusion":
            Inclusion.objects.update_or_create(
                rating_id=answer.rating_id, flaw_id=answer.flaw_id, defaults={"score": score}
            )
        else:
            value: int | str | None = answer.value if answer.field == "rationale" else score
            CritiqueRating.objects.filter(pk=answer.rating_id or 0, comparison=comparison).update(
                **{answer.field: value}
            )
        comparison.updated_at = timezone.now()
        comparison.save(update_fields=("preference", "rationale", "updated_at"))
    return comparison


def check_submit(comparison: Comparison) -> list[str]:
    """What is still unanswered."""
    if comparison.assignment.study.task_kind == TaskKind.PREFER:
        return [] if comparison.preference is not None else ["Say which response is better (1-7)."]
    problems = []
    flaws = [flaw.pk for flaw in planted_flaws(comparison)]
    answered = set(
        Inclusion.objects.filter(rating__comparison=comparison, score__isnull=False).values_list("rating_id", "flaw_id")
    )
    for rating in comparison.ratings.order_by("position"):
        letter = "ABCD"[rating.position]
        missing = [name.replace("_", " ") for name in SCALES if getattr(rating, name) is None]
        missing += ["a problem's inclusion"] * any((rating.pk, flaw) not in answered for flaw in flaws)
        if missing:
            problems.append(f"Critique {letter}: answer {', '.join(dict.fromkeys(missing))}.")
    return problems


def do_submit_comparison(assignment: Assignment) -> bool:
    """Submit; False when it already was (a retry or a double click)."""
    with transaction.atomic():
        comparison = _lock(assignment, submitting=True)
        if comparison is None:
            return False
        problems = check_submit(comparison)
        if problems:
            raise ValueError(" ".join(problems))
        now = timezone.now()
        comparison.status, comparison.submitted_at, comparison.updated_at = ComparisonStatus.SUBMITTED, now, now
        comparison.save(update_fields=("status", "submitted_at", "updated_at"))
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=now)
        task_submitted(assignment)
    return True
