"""The contractor's comparison page: critiques (or two responses) side by side, blind to their source."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from annotation.access import contractor_required, get_assignment_for_contractor
from annotation.comparing.candidates import open_comparison
from annotation.comparing.models import Candidate, Comparison, ComparisonStatus, CritiqueRating, Inclusion
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
from annotation.labeling.models import SkipReason
from annotation.labeling.next import to_next_task
from annotation.studies.models import Assignment, StudyStatus, TaskKind
from annotation.web.highlight import numbered_lines
from annotation.web.markdown import render_markdown

TEMPLATE = "annotation/compare.html"
KINDS = (TaskKind.COMPARE, TaskKind.PREFER)
# Each scale's question and its anchors at 1, 4 and 7, as the contractor reads them.
QUESTIONS: dict[str, tuple[str, str, str, str]] = {
    "missed_severe": (
        "Are there clear and severe problems it missed?",
        "No, none missed",
        "Unsure",
        "Yes, it missed severe problems",
    ),
    "nitpicks": ("Does it contain nitpicks?", "No nitpicks", "Some", "Mostly nitpicks"),
    "hallucination": (
        "Does it contain hallucinated problems (ones that are not there)?",
        "None",
        "Unsure",
        "Yes, clearly",
    ),
    "conciseness": ("How concise is it?", "Rambling, padded", "Acceptable", "Says it all, briefly"),
    "overall": (
        "Overall, how good is this critique relative to the others?",
        "Much worse",
        "About the same",
        "Much better",
    ),
}
INCLUSION = ("Did this critique point out this problem?", "Definitely missed", "Unsure", "Definitely included")
PREFERENCE = ("Which response is better?", "A is much better", "Equal", "B is much better")


def _context(assignment: Assignment, comparison: Comparison) -> dict[str, Any]:
    item = assignment.item
    study = assignment.study
    locked = comparison.status == ComparisonStatus.SUBMITTED or study.status != StudyStatus.RUNNING
    order = {pk: k for k, pk in enumerate(comparison.shown)}
    candidates = sorted(Candidate.objects.filter(pk__in=comparison.shown).only("pk", "text"), key=lambda c: order[c.pk])
    flaws = planted_flaws(comparison) if study.task_kind == TaskKind.COMPARE else []
    ratings = {r.candidate_id: r for r in CritiqueRating.objects.filter(comparison=comparison)}
    scores = {
        (rating_id, flaw_id): score
        for rating_id, flaw_id, score in Inclusion.objects.filter(rating__comparison=comparison).values_list(
            "rating_id", "flaw_id", "score"
        )
    }
    columns = []
    for k, candidate in enumerate(candidates):
        rating = ratings.get(candidate.pk)
        column: dict[str, Any] = {"letter": "ABCD"[k], "text": candidate.text, "rating": rating}
        if rating is not None:
            column["flaws"] = [(flaw, scores.get((rating.pk, flaw.pk))) for flaw in flaws]
            column["scales"] = [(name, *QUESTIONS[name], getattr(rating, name)) for name in SCALES]
        if item.kind == "code" and study.task_kind == TaskKind.PREFER:
            column["lines"] = numbered_lines(candidate.text, item.language)
        columns.append(column)
    return {
        "assignment": assignment,
        "study": study,
        "item": item,
        "comparison": comparison,
        "columns": columns,
        "locked": locked,
        "prefer": study.task_kind == TaskKind.PREFER,
        "inclusion": INCLUSION,
        "preference": PREFERENCE,
        "points": range(1, 8),
        "code_lines": numbered_lines(item.response, item.language) if item.kind == "code" else None,
        "instructions": render_markdown(study.instructions) if study.instructions else "",
        "skip_reasons": SkipReason.choices,
        "missing": [] if locked else check_submit(comparison),
    }


def comparison_page(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """The task page of a comparison task (reached through the task view, which checked access)."""
    comparison = open_comparison(assignment)
    return render(request, TEMPLATE, _context(assignment, comparison))


def _answer_of(request: HttpRequest) -> Answer:
    def number(name: str) -> int | None:
        value = request.POST.get(name, "")
        return int(value) if re.fullmatch(r"[0-9]{1,10}", value) else None

    return Answer(
        field=request.POST.get("field", "")[:40],
        value=request.POST.get("value", "").strip()[:10_000],
        rating_id=number("rating"),
        flaw_id=number("flaw"),
    )


@contractor_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave one answer; replies with the save state (and what is still missing)."""
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    comparison = open_comparison(assignment)
    given = _answer_of(request)
    problem = check_answer(comparison, given)
    if not problem:
        try:
            comparison = do_answer(assignment, given)
        except ComparisonLocked as exc:
            problem = f"Not saved: {exc}"
    context = {"save_error": problem, "comparison": comparison, "missing": check_submit(comparison)}
    # The save state shows the refusal where the contractor looks (htmx swaps only 2xx answers).
    return render(request, f"{TEMPLATE}#save-state", context)


@contractor_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_comparison(assignment)
    try:
        do_submit_comparison(assignment)
    except (ValueError, ComparisonLocked) as exc:
        messages.error(request, f"Not submitted: {exc}")
        return redirect("task", pk=assignment.pk)
    return to_next_task(request, "Comparison submitted.")
