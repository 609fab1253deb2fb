"""The researcher's side of a study's checks: the plan, gold and qualifying items, attention checks,
and letting a paused contractor work again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotation.access import get_study_for_researcher, request_user, researcher_required
from annotation.datasets.models import Dataset
from annotation.quality.setup import (
    CheckRefused,
    PlanInput,
    do_add_check_items,
    do_generate_attention_checks,
    do_remove_check_items,
    do_resume,
    do_save_plan,
)
from annotation.studies.models import CheckRole


class PlanForm(forms.Form):
    gold_rate = forms.FloatField(
        min_value=0.0,
        max_value=0.5,
        initial=0.1,
        label="Check rate (0-0.5)",
        help_text="One check in every 1/rate tasks.",
    )
    min_active_s = forms.IntegerField(min_value=1, max_value=86_400, required=False, label="Minimum active seconds")
    min_checks = forms.IntegerField(min_value=1, max_value=1000, initial=3, label="Checks before a threshold acts")
    warn_below = forms.FloatField(min_value=0.0, max_value=1.0, required=False, label="Warn below accuracy")
    pause_below = forms.FloatField(min_value=0.0, max_value=1.0, required=False, label="Pause below accuracy")
    qualification_pass = forms.FloatField(
        min_value=0.0, max_value=1.0, initial=0.5, label="Qualification: share of flaws to catch"
    )


class CheckItemsForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.all())
    role = forms.ChoiceField(choices=[(CheckRole.GOLD, "Gold"), (CheckRole.QUALIFICATION, "Qualification")])
    count = forms.IntegerField(min_value=1, max_value=500, initial=10)


class AttentionForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100, initial=5)


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("study-detail", args=[pk]) + "#checks")


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(str(error) for error in errors)}")


@researcher_required
@require_POST
def study_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint, one `action`: plan, add, remove, attention."""
    study = get_study_for_researcher(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "plan":
            form: forms.Form = PlanForm(request.POST)
            if form.is_valid():
                do_save_plan(study, PlanInput(**form.cleaned_data))
                messages.success(request, "Quality plan saved.")
        elif action == "add":
            form = CheckItemsForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                added = do_add_check_items(study, data["dataset"], data["role"], data["count"])
                messages.success(request, f"Added {added} {CheckRole(data['role']).name.lower()} items.")
        elif action == "attention":
            form = AttentionForm(request.POST)
            if form.is_valid():
                made = do_generate_attention_checks(study, form.cleaned_data["count"], request_user(request))
                messages.success(request, f"Wrote {made} attention checks into copies of the study's items.")
        elif action == "remove" and request.POST.get("role") in CheckRole.values:
            removed = do_remove_check_items(study, request.POST["role"])
            messages.success(request, f"Removed {removed} check items.")
            return _back(study.pk)
        else:
            messages.error(request, "action: choose plan, add, attention or remove (with a role).")
            return _back(study.pk)
        _form_errors(request, form)
    except CheckRefused as exc:
        messages.error(request, f"Not done: {exc}")
    return _back(study.pk)


@researcher_required
@require_POST
def study_resume(request: HttpRequest, pk: int, contractor_pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    if do_resume(study, contractor_pk, request_user(request)):
        messages.success(request, "Resumed: they get tasks again, and later checks will not pause them.")
    else:
        messages.error(request, "That contractor was not paused.")
    return redirect("study-quality", pk=study.pk)
