"""The researcher's side of studies: set-up, launch, the live dashboard, and the reviews."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotation.access import (
    get_review_for_researcher,
    get_study_for_researcher,
    request_user,
    researcher_required,
    studies_for,
)
from annotation.crowd.joining import join_url
from annotation.crowd.models import StudyLink
from annotation.labeling.models import Review
from annotation.labeling.queue import do_release_abandoned
from annotation.quality.models import QualityPlan
from annotation.quality.plan_views import AttentionForm, CheckItemsForm, PlanForm
from annotation.quality.setup import checks_summary
from annotation.studies.dashboard import arm_progress, checks_answered, contractor_figures, released_pool
from annotation.studies.forms import EnrolForm, StudyForm
from annotation.studies.lifecycle import (
    StudyRefused,
    check_launch,
    check_missing_critiques,
    do_close,
    do_create_study,
    do_drop_failed_items,
    do_enrol,
    do_generate_missing_critiques,
    do_launch,
    do_mark_ready,
    unrefined_count,
)
from annotation.studies.models import Enrollment, Study, StudyItem, StudyStatus
from annotation.studies.roster import check_roster
from annotation.web.highlight import numbered_lines
from annotation.web.http import HtmxHttpRequest
from annotation.web.markdown import render_markdown


@researcher_required
@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    studies = (
        studies_for(request_user(request))
        .select_related("owner")
        .annotate(
            item_count=Count("studyitem", distinct=True),
            task_count=Count("assignments", distinct=True),
            submitted_count=Count("assignments", filter=Q(assignments__status="submitted"), distinct=True),
        )
    )
    return render(request, "annotation/study_list.html", {"studies": studies})


@researcher_required
@require_http_methods(["GET", "POST"])
def study_create(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None, owner=request_user(request))
    if request.method == "POST" and form.is_valid():
        try:
            study = do_create_study(form.spec(), request_user(request))
        except StudyRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Study {study.name!r} created as a draft.")
            return redirect("study-detail", pk=study.pk)
    return render(request, "annotation/study_form.html", {"form": form}, status=400 if form.errors else 200)


def _plan_initial(study: Study) -> dict[str, object]:
    plan = QualityPlan.objects.filter(study=study).first()
    if plan is None:
        return {}
    fields = ("gold_rate", "min_active_s", "min_checks", "warn_below", "pause_below", "qualification_pass")
    return {name: getattr(plan, name) for name in fields}


def _dashboard(study: Study) -> dict[str, object]:
    return {
        "study": study,
        "arms": arm_progress(study),
        "contractors": contractor_figures(study),
        "released": released_pool(study),
    }


@researcher_required
@require_GET
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    setting_up = study.status in (StudyStatus.DRAFT, StudyStatus.READY)
    missing = check_missing_critiques(study) if setting_up else []
    link = StudyLink.objects.filter(study=study).first()
    context = _dashboard(study) | {
        "instructions": render_markdown(study.instructions) if study.instructions else "",
        "item_count": StudyItem.objects.filter(study=study).count(),
        "enrolled": Enrollment.objects.filter(study=study)
        .select_related("contractor")
        .order_by("contractor__username"),
        "problems": check_launch(study) if setting_up else [],
        "missing": missing,
        "any_failed": any(m.failed for m in missing),
        "unrefined": unrefined_count(study) if setting_up else 0,
        "enrol_form": EnrolForm() if study.status != StudyStatus.CLOSED else None,
        "checks": checks_summary(study),
        "check_forms": {
            "plan": PlanForm(initial=_plan_initial(study), auto_id="plan-%s"),
            "items": CheckItemsForm(auto_id="items-%s"),
            "attention": AttentionForm(auto_id="attention-%s"),
        },
        "link": link,
        "join_url": join_url(link, request.build_absolute_uri(reverse("join", args=[link.token]))) if link else "",
        "checks_answered": checks_answered(study),
    }
    return render(request, "annotation/study_detail.html", context)


@researcher_required
@require_GET
def study_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    return render(request, "annotation/study_detail.html#progress", _dashboard(study))


@researcher_required
@require_POST
def study_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    if "roster" in request.POST:
        return _enrol_roster(request, study)
    form = EnrolForm(request.POST)
    if form.is_valid():
        try:
            added = do_enrol(study, form.cleaned_data["contractors"])
            messages.success(request, f"Enrolled {added} contractor{'s' if added != 1 else ''}.")
        except StudyRefused as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose contractors to enrol.")
    return redirect("study-detail", pk=study.pk)


def _enrol_roster(request: HttpRequest, study: Study) -> HttpResponse:
    """A pasted list or CSV column of usernames or e-mails: all enrolled, or none and every problem named."""
    contractors, problems = check_roster(request.POST.get("roster", ""))
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        messages.error(request, "Nobody was enrolled. " + "; ".join(shown))
        return redirect("study-detail", pk=study.pk)
    try:
        added = do_enrol(study, contractors)
    except StudyRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Enrolled {added} of the {len(contractors)} listed (the rest already were).")
    return redirect("study-detail", pk=study.pk)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    try:
        if action == "ready":
            do_mark_ready(study)
            messages.success(request, "The study is ready to launch.")
        elif action == "launch":
            count = do_launch(study)
            where = "wait in the pool for whoever comes" if study.pooled else f"handed to {study.name!r}'s contractors"
            messages.success(request, f"Launched: {count} tasks {where}.")
        elif action == "close":
            do_close(study)
            messages.success(request, "The study is closed; no more tasks are handed out.")
    except StudyRefused as exc:
        messages.error(request, f"Not done: {exc}")
    return redirect("study-detail", pk=study.pk)


@researcher_required
@require_POST
def study_ready(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "ready")


@researcher_required
@require_POST
def study_launch(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "launch")


@researcher_required
@require_http_methods(["GET", "POST"])
def study_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (closing cannot be undone); POST closes."""
    if request.method == "POST":
        return _act(request, pk, "close")
    study = get_study_for_researcher(request, pk)
    return render(request, "annotation/study_close.html", {"study": study, "arms": arm_progress(study)})


@researcher_required
@require_POST
def study_drop_failed(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    try:
        dropped = do_drop_failed_items(study, request_user(request))
    except StudyRefused as exc:
        messages.error(request, f"Not done: {exc}")
    else:
        messages.success(
            request, f"Dropped {len(dropped)} item{'s' if len(dropped) != 1 else ''} whose critique failed."
        )
    return redirect("study-detail", pk=study.pk)


@researcher_required
@require_POST
def study_generate_critiques(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the critique runs that fill what launch is waiting for, one per assisted arm."""
    study = get_study_for_researcher(request, pk)
    started, refused = do_generate_missing_critiques(study, request_user(request))
    for reason in refused:
        messages.error(request, reason)
    if started:
        what = "refinement(s)" if study.task_kind == "prefer" else "critique run(s)"
        messages.success(request, f"Started {len(started)} {what}: " + ", ".join(f"#{n}" for n in started[:20]))
    elif not check_missing_critiques(study):
        messages.info(request, "Every assisted item already has its critique.")
    return redirect("study-detail", pk=study.pk)


@researcher_required
@require_POST
def study_release(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    released = do_release_abandoned(study)
    messages.success(request, f"Released {released} abandoned task{'s' if released != 1 else ''}.")
    return redirect("study-detail", pk=study.pk)


@researcher_required
@require_GET
def study_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    reviews = (
        Review.objects.filter(assignment__study=study)
        .select_related("assignment__arm", "assignment__contractor", "assignment__item")
        .annotate(flaw_count=Count("flaws"))
        .order_by("-submitted_at", "-id")
    )
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    return render(request, "annotation/study_reviews.html", {"study": study, "page": page})


@researcher_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_researcher(request, pk)
    item = review.assignment.item
    context = {
        "review": review,
        "assignment": review.assignment,
        "study": review.assignment.study,
        "item": item,
        "flaws": review.flaws.all(),
        "judgements": review.judgements.select_related("comment"),
        "planted": item.planted_flaws.all(),
        "code_lines": numbered_lines(item.response, item.language) if item.kind == "code" else None,
    }
    return render(request, "annotation/review_detail.html", context)
