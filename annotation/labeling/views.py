"""The contractor's side: the queue, next task, and the labeling page with its autosaving parts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from annotation.access import assignments_for, contractor_required, get_assignment_for_contractor, request_user
from annotation.choices import CATEGORIES_BY_KIND, Category, Severity
from annotation.comparing.views import comparison_page
from annotation.crowd.joining import finish_url
from annotation.labeling.forms import ActiveTimeForm, DraftForm, FlawForm, JudgeForm
from annotation.labeling.models import CommentJudgement, FlawReport, Review, SkipReason
from annotation.labeling.next import to_next_task
from annotation.labeling.queue import SkipRefused, check_skip, claim_next, do_skip, has_next
from annotation.labeling.reviewing import (
    ReviewLocked,
    check_flaw,
    do_add_active_time,
    do_add_flaw,
    do_delete_flaw,
    do_judge_comment,
    do_save_draft,
    do_submit,
    do_update_flaw,
    is_editable,
    open_review,
)
from annotation.studies.models import ArmKind, Assignment, AssignmentStatus, Purpose, Study, StudyStatus, TaskKind
from annotation.tampering.views import tamper_page
from annotation.users import User
from annotation.web.highlight import numbered_lines
from annotation.web.http import HtmxHttpRequest
from annotation.web.markdown import render_markdown

TEMPLATE = "annotation/labeling.html"


@contractor_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    counts = {
        row["study_id"]: row
        for row in assignments_for(user)
        .values("study_id")
        .annotate(
            done=Count("id", filter=Q(status=AssignmentStatus.SUBMITTED, purpose=Purpose.TASK)),
            total=Count("id", filter=Q(purpose=Purpose.TASK)),
        )
    }
    rows = []
    for study in Study.objects.filter(enrollment__contractor=user, status=StudyStatus.RUNNING).order_by("id"):
        count = counts.get(study.pk, {"done": 0, "total": 0})
        left = count["total"] - count["done"]
        if study.tasks_per_contractor is not None:
            left = max(0, study.tasks_per_contractor - count["done"])
        rows.append(
            {
                "study": study,
                "done": count["done"],
                "left": left,
                "total": count["done"] + left,
                "instructions": render_markdown(study.instructions) if study.instructions else "",
            }
        )
    active = assignments_for(user).filter(status=AssignmentStatus.ACTIVE, study__status=StudyStatus.RUNNING).first()
    recent = assignments_for(user).filter(status=AssignmentStatus.SUBMITTED).order_by("-submitted_at")[:10]
    context = {
        "rows": rows,
        "active": active,
        "recent": recent,
        "just_submitted": "submitted" in request.GET,
        "has_next": active is not None or has_next(user),
    }
    if not context["has_next"] and (finished := finish_url(user)) is not None:
        return redirect(finished)  # a crowd participant with nothing left: their code, not an empty list
    return render(request, "annotation/queue.html", context)


@contractor_required
@require_POST
def next_task(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    assignment = claim_next(user)
    if assignment is None and (finished := finish_url(user)) is not None:
        return redirect(finished)
    if assignment is None:
        messages.info(request, "No tasks left for you right now. Thank you!")
        return redirect("queue")
    return redirect("task", pk=assignment.pk)


def _task_context(assignment: Assignment, review: Review) -> dict[str, Any]:
    item = assignment.item
    assisted = assignment.arm.kind == ArmKind.ASSISTED
    return {
        "assignment": assignment,
        "study": assignment.study,
        "item": item,
        "review": review,
        "locked": not is_editable(review, assignment.study),
        "assisted": assisted,
        "flaws": FlawReport.objects.filter(review=review).order_by("id"),
        "judgements": (
            CommentJudgement.objects.filter(review=review).select_related("comment").order_by("position")
            if assisted
            else []
        ),
        "categories": [(c, Category(c).label) for c in CATEGORIES_BY_KIND[item.kind]],
        "severities": Severity.choices,
        "ratings": range(1, 8),
    }


@contractor_required
@require_GET
def task(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=None)
    if assignment.study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
        return comparison_page(request, assignment)
    if assignment.study.task_kind == TaskKind.TAMPER:
        return tamper_page(request, assignment)
    review = open_review(assignment)
    context = _task_context(assignment, review)
    item = assignment.item
    context["code_lines"] = numbered_lines(item.response, item.language) if item.kind == "code" else None
    context["instructions"] = render_markdown(assignment.study.instructions) if assignment.study.instructions else ""
    context["progress"] = _position(request_user(request), assignment)
    context["first_task"] = context["progress"]["number"] == 1 and not context["locked"]
    context["skip_reasons"] = SkipReason.choices
    return render(request, TEMPLATE, context)


def _position(contractor: User, assignment: Assignment) -> dict[str, int]:
    """ "Task n of total" in this study: a submitted task keeps the number it was submitted as; the
    total grows when the contractor takes released tasks, and is never below n."""
    submitted = Q(status=AssignmentStatus.SUBMITTED)
    done_by_then = submitted & Q(submitted_at__lte=assignment.submitted_at) if assignment.submitted_at else submitted
    counts = (
        assignments_for(contractor)
        .filter(study=assignment.study)
        .aggregate(total=Count("id"), submitted=Count("id", filter=submitted), before=Count("id", filter=done_by_then))
    )
    if assignment.status == AssignmentStatus.SUBMITTED and assignment.submitted_at is not None:
        number = counts["before"]
    else:
        number = counts["submitted"] + 1
    return {"number": number, "total": max(counts["total"], number)}


def _lists(
    request: HttpRequest, assignment: Assignment, review: Review, *, critique: bool = True, **extra: Any
) -> HttpResponse:
    """The flaws list and, when it may have changed, the critique panel out of band (accepting a comment,
    or deleting a report accepted from one, changes both). Adding or editing a report leaves the panel
    alone, so a key press aimed at a comment never lands on a button being swapped out."""
    context = _task_context(assignment, review) | extra
    html = render_to_string(f"{TEMPLATE}#flaws", context, request)
    if critique and context["assisted"]:
        html += render_to_string(f"{TEMPLATE}#critique", context | {"oob": True}, request)
    return HttpResponse(html)


def _locked(request: HttpRequest, assignment: Assignment, reason: ReviewLocked) -> HttpResponse:
    """The change was refused: reload the page, which says why at the top and shows the review as it stands."""
    messages.error(request, f"Not saved: {reason}")
    return HttpResponseClientRedirect(reverse("task", args=[assignment.pk]))


@contractor_required
@require_POST
def add_flaw(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    form = FlawForm(request.POST)
    errors: dict[str, Any] = {}
    review = None
    if form.is_valid():
        errors = check_flaw(assignment.item, form.flaw())
        if not errors:
            try:
                review = do_add_flaw(assignment, form.flaw()).review
            except ReviewLocked as exc:
                return _locked(request, assignment, exc)
    else:
        errors = {field: " ".join(str(m) for m in msgs) for field, msgs in form.errors.items()}
    response = _lists(request, assignment, review or open_review(assignment), critique=False, flaw_errors=errors)
    response["HX-Trigger"] = "flaw-rejected" if errors else "flaw-added"
    return response


@contractor_required
@require_POST
def edit_flaw(request: HtmxHttpRequest, pk: int, flaw_pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    review = open_review(assignment)
    report = get_object_or_404(FlawReport.objects.select_related("review"), pk=flaw_pk, review=review)
    form = FlawForm(request.POST)
    errors: dict[str, Any] = {}
    if form.is_valid():
        flaw = form.flaw()
        errors = check_flaw(assignment.item, flaw)
        if not errors:
            try:
                do_update_flaw(report, flaw.description, flaw.severity, flaw.category)
            except ReviewLocked as exc:
                return _locked(request, assignment, exc)
    else:
        errors = {field: " ".join(str(m) for m in msgs) for field, msgs in form.errors.items()}
    editing = report.pk if errors else None
    return _lists(request, assignment, review, critique=False, flaw_errors=errors, editing=editing)


@contractor_required
@require_POST
def delete_flaw(request: HtmxHttpRequest, pk: int, flaw_pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    review = open_review(assignment)
    report = get_object_or_404(FlawReport.objects.select_related("review"), pk=flaw_pk, review=review)
    try:
        do_delete_flaw(report)
    except ReviewLocked as exc:
        return _locked(request, assignment, exc)
    return _lists(request, assignment, review)


@contractor_required
@require_POST
def judge_comment(request: HtmxHttpRequest, pk: int, judgement_pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    review = open_review(assignment)
    judgement = get_object_or_404(CommentJudgement, pk=judgement_pk, review=review)
    form = JudgeForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"] or None
        helpful = form.cleaned_data["helpful"] if "helpful" in request.POST else None
        try:
            do_judge_comment(review, assignment.item, judgement, action, helpful)
        except ReviewLocked as exc:
            return _locked(request, assignment, exc)
    return _lists(request, assignment, review)


@contractor_required
@require_POST
def save_draft(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return render(request, f"{TEMPLATE}#save-state", {"save_error": form.errors.as_text()})
    try:
        review = do_save_draft(assignment, form.cleaned_data["rating"], form.cleaned_data["free_text"])
    except ReviewLocked as exc:
        return render(request, f"{TEMPLATE}#save-state", {"save_error": str(exc)})
    return render(request, f"{TEMPLATE}#save-state", {"review": review})


@contractor_required
@require_POST
def submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not submitted: {form.errors.as_text()}")
        return redirect("task", pk=assignment.pk)
    timing = ActiveTimeForm({"seconds": request.POST.get("active_seconds", "0")})
    if timing.is_valid():
        do_add_active_time(assignment, timing.cleaned_data["seconds"])
    try:
        do_submit(assignment, (form.cleaned_data["rating"], form.cleaned_data["free_text"]))
    except (ValueError, ReviewLocked) as exc:
        messages.error(request, f"Not submitted: {exc}")
        return redirect("task", pk=assignment.pk)
    return to_next_task(request, "Review submitted.")


@contractor_required
@require_POST
def skip(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Can't judge this": the task goes back to the pool with the reason recorded."""
    assignment = get_assignment_for_contractor(request, pk, kinds=None)
    reason, note = request.POST.get("reason", ""), request.POST.get("note", "")[:2000]
    problems = check_skip(reason)
    if problems:
        messages.error(request, f"Not skipped: {problems['reason']}")
        return redirect("task", pk=assignment.pk)
    try:
        do_skip(assignment, reason, note)
    except SkipRefused as exc:
        messages.error(request, f"Not skipped: {exc}")
        return redirect("task", pk=assignment.pk)
    return to_next_task(request, "Task skipped; someone else will take it.")


@contractor_required
@require_POST
def active_time(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's navigator.sendBeacon target: adds active seconds measured in the browser."""
    assignment = get_assignment_for_contractor(request, pk, kinds=None)
    form = ActiveTimeForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    do_add_active_time(assignment, form.cleaned_data["seconds"])
    return HttpResponse(status=204)
