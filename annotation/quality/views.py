"""The quality page of a study, and excluding or restoring a contractor's reviews (the study's researcher)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotation.access import get_study_for_researcher, request_user, researcher_required
from annotation.quality.exclusions import check_exclude, do_exclude, do_restore
from annotation.quality.report import study_quality


class ExcludeForm(forms.Form):
    contractor = forms.IntegerField(min_value=1, max_value=2**63 - 1)


@researcher_required
@require_GET
def study_quality_page(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    return render(request, "annotation/study_quality.html", {"study": study, "quality": study_quality(study)})


@researcher_required
@require_POST
def study_exclude(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "contractor: Choose a contractor.")
        return redirect("study-quality", pk=study.pk)
    contractor, reason = form.cleaned_data["contractor"], request.POST.get("reason", "")
    problems = check_exclude(study, contractor, reason)
    if problems:
        for field, problem in problems.items():
            messages.error(request, f"{field}: {problem}")
        return redirect("study-quality", pk=study.pk)
    if do_exclude(study, contractor, reason, request_user(request)) is not None:
        messages.success(request, "Excluded: the analysis leaves their reviews out from now on (you can restore them).")
    return redirect("study-quality", pk=study.pk)


@researcher_required
@require_POST
def study_restore(request: HttpRequest, pk: int, contractor_pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    if do_restore(study, contractor_pk, request_user(request)):
        messages.success(request, "Restored: their reviews count in the analysis again.")
    else:
        messages.error(request, "That contractor's reviews were not excluded.")
    return redirect("study-quality", pk=study.pk)
