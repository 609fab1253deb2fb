"""The tamperer's page (edit, describe, run the tests, submit) and the researcher's review of tampers."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from annotation.access import (
    contractor_required,
    get_assignment_for_contractor,
    get_study_for_researcher,
    researcher_required,
)
from annotation.choices import CATEGORIES_BY_KIND, Category, Severity
from annotation.labeling.models import SkipReason
from annotation.labeling.next import to_next_task
from annotation.studies.models import Assignment, AssignmentStatus, StudyStatus, TaskKind
from annotation.tampering.checks import do_request_critic_check, do_request_tests, refresh_critic_check
from annotation.tampering.models import Tamper, TamperStatus
from annotation.tampering.review import do_review_tamper, tampers_of
from annotation.tampering.work import (
    TamperLocked,
    check_flaw,
    check_submit,
    check_text,
    do_add_flaw,
    do_delete_flaw,
    do_save_text,
    do_submit_tamper,
    open_tamper,
    tests_state,
)
from annotation.users import User
from annotation.web.markdown import render_markdown

TEMPLATE = "annotation/tamper.html"
KINDS = (TaskKind.TAMPER,)


def diff_html(original: str, tampered: str) -> SafeString:
    """A line diff, escaped: removed lines struck through, added lines marked."""
    out = []
    for line in difflib.ndiff(original.splitlines(), tampered.splitlines()):
        tag, text = line[:2], escape(line[2:])
        if tag == "- ":
            out.append(f'<span class="del">- {text}</span>')
        elif tag == "+ ":
            out.append(f'<span class="add">+ {text}</span>')
    return mark_safe("\n".join(out) or '<span class="muted">No changes yet.</span>')  # noqa: S308 - escaped above


def _context(assignment: Assignment, tamper: Tamper, **extra: Any) -> dict[str, Any]:
    item = assignment.item
    locked = tamper.status == TamperStatus.SUBMITTED or assignment.study.status != StudyStatus.RUNNING
    return {
        "assignment": assignment,
        "study": assignment.study,
        "item": item,
        "tamper": tamper,
        "locked": locked,
        "flaws": tamper.flaws.order_by("pk"),
        "diff": diff_html(item.response, tamper.text),
        "tests": tests_state(tamper),
        "check": refresh_critic_check(tamper) if tamper.status == TamperStatus.SUBMITTED else {},
        "severities": Severity.choices,
        "categories": [(c, Category(c).label) for c in CATEGORIES_BY_KIND[item.kind]],
        "missing": [] if locked else check_submit(tamper),
        "skip_reasons": SkipReason.choices,
        "instructions": render_markdown(assignment.study.instructions) if assignment.study.instructions else "",
    } | extra


def tamper_page(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """The task page of a tampering task (reached through the task view, which checked access)."""
    return render(request, TEMPLATE, _context(assignment, open_tamper(assignment)))


def _part(request: HttpRequest, assignment: Assignment, part: str, **extra: Any) -> HttpResponse:
    """One part of the side panel (the changes, or the flaws), and the submit state out of band:
    the flaw form the contractor may be typing in is never replaced."""
    tamper = Tamper.objects.get(assignment=assignment)
    context = _context(assignment, tamper, **extra)
    html = render_to_string(f"{TEMPLATE}#{part}", context, request)
    if not context["locked"]:
        html += render_to_string(f"{TEMPLATE}#state", context | {"oob": True}, request)
    return HttpResponse(html)


@contractor_required
@require_POST
def save_text(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_tamper(assignment)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    problem = check_text(text)
    if not problem:
        try:
            do_save_text(assignment, text)
        except TamperLocked as exc:
            problem = f"Not saved: {exc}"
    return _part(request, assignment, "changes", save_error=problem)


@contractor_required
@require_POST
def add_flaw(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_tamper(assignment)
    fields = {name: request.POST.get(name, "")[:10_000] for name in ("description", "severity", "category", "location")}
    errors = check_flaw(assignment.item, **fields)
    if not errors:
        try:
            do_add_flaw(assignment, **fields)
        except TamperLocked as exc:
            errors = {"flaw": str(exc)}
    response = _part(request, assignment, "flaws", flaw_errors=errors)
    if not errors:
        response["HX-Trigger"] = "flaw-added"
    return response


@contractor_required
@require_POST
def delete_flaw(request: HttpRequest, pk: int, flaw_pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_tamper(assignment)
    try:
        do_delete_flaw(assignment, flaw_pk)
    except TamperLocked as exc:
        return _part(request, assignment, "flaws", flaw_errors={"flaw": str(exc)})
    return _part(request, assignment, "flaws")


@contractor_required
@require_POST
def run_tests(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    tamper = open_tamper(assignment)
    running = assignment.status == AssignmentStatus.ACTIVE and assignment.study.status == StudyStatus.RUNNING
    if running and tamper.status == TamperStatus.DRAFT and tests_state(tamper) == "stale":
        do_request_tests(tamper)
    return _part(request, assignment, "changes")


@contractor_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The changes part alone, polled while the tests run."""
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_tamper(assignment)
    return _part(request, assignment, "changes")


@contractor_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_contractor(request, pk, kinds=KINDS)
    open_tamper(assignment)
    try:
        text = request.POST.get("text")
        item = do_submit_tamper(assignment, text.replace("\r\n", "\n") if text else None)
    except (ValueError, TamperLocked) as exc:
        messages.error(request, f"Not submitted: {exc}")
        return redirect("task", pk=assignment.pk)
    if item is not None:
        do_request_critic_check(Tamper.objects.get(assignment=assignment))
    return to_next_task(request, "Tamper submitted: the researcher will review it.")


@researcher_required
@require_GET
def study_tampers(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    rows = []
    for tamper in tampers_of(study):
        rows.append(
            {
                "tamper": tamper,
                "diff": diff_html(tamper.assignment.item.response, tamper.text),
                "check": refresh_critic_check(tamper),
            }
        )
    return render(request, "annotation/study_tampers.html", {"study": study, "rows": rows})


@researcher_required
@require_POST
def review_tamper(request: HttpRequest, pk: int, tamper_pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    tamper = get_object_or_404(tampers_of(study), pk=tamper_pk)
    verdict, note = request.POST.get("verdict", ""), request.POST.get("note", "")[:2000]
    user = request.user
    assert isinstance(user, User)
    try:
        do_review_tamper(tamper, verdict, note, user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Tamper {tamper.pk} {verdict}.")
    return redirect("study-tampers", pk=study.pk)
