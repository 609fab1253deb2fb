"""Evaluator audits, for researchers: start one, follow its progress, read its report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from annotation.access import request_user, researcher_required
from annotation.datasets.models import Dataset, Item
from annotation.results.analysis.charts import bar_chart
from annotation.results.analysis.metrics import Estimate
from annotation.results.exporting.writers import csv_lines
from annotation.web.http import HtmxHttpRequest
from assist.access import audits_for, generations_for, get_audit_for_user
from assist.audit_report import across_audits, audit_report
from assist.audits import AuditRefused, do_create_audit
from assist.gdc import gdc_report
from assist.generating import GenerateRefused, do_create_generation
from assist.models import AuditQuestion, Backend, CriticConfig, RunStatus


class AuditForm(forms.Form):
    evaluator = forms.ModelChoiceField(
        queryset=CriticConfig.objects.filter(backend=Backend.OPENAI), help_text="A model server that returns logprobs."
    )
    own_author = forms.CharField(max_length=200, help_text="The items' author that is the evaluator itself.")
    datasets = forms.ModelMultipleChoiceField(
        queryset=Dataset.objects.order_by("name"), widget=forms.CheckboxSelectMultiple
    )


class GenerateForm(forms.Form):
    generator = forms.ModelChoiceField(queryset=CriticConfig.objects.filter(backend=Backend.OPENAI))
    source = forms.ModelChoiceField(queryset=Dataset.objects.order_by("name"), label="Sources from")
    target = forms.CharField(max_length=200, label="New dataset")
    author = forms.CharField(max_length=200, required=False, help_text="Blank: the model's name.")


def _authors() -> list[str]:
    return list(Item.objects.order_by("author").values_list("author", flat=True).distinct()[:200])


@researcher_required
@require_http_methods(["GET", "POST"])
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = Item.objects.filter(dataset__in=data["datasets"])
        try:
            audit = do_create_audit(data["evaluator"], items, data["own_author"], request_user(request))
        except AuditRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Audit {audit.pk} started: {audit.total} questions.")
            return redirect("audit-detail", pk=audit.pk)
    audits = audits_for(request_user(request)).select_related("evaluator")[:100]
    generations = generations_for(request_user(request)).select_related("generator", "target")[:50]
    finished = [a for a in audits if a.status == RunStatus.DONE][:20]
    context = {
        "across": across_audits(finished) if len(finished) > 1 else None,
        "form": form,
        "audits": audits,
        "authors": _authors(),
        "generations": generations,
        "generate_form": GenerateForm(),
    }
    return render(request, "assist/audit_list.html", context, status=400 if form.errors else 200)


@researcher_required
@require_GET
def audit_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request, pk)
    running = audit.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    context: dict[str, Any] = {"audit": audit, "running": running}
    if request.htmx:
        return render(request, "assist/audit_detail.html#progress", context) if running else HttpResponseClientRefresh()
    report = None if running else audit_report(audit)
    context["report"] = report
    context["charts"] = _charts(report) if report and report["overall"] else []
    return render(request, "assist/audit_detail.html", context)


LABELS = {
    "self_recognition": "Self-recognition, pairwise: P(names its own)",
    "self_preference": "Self-preference, pairwise: P(prefers its own)",
    "individual_self_preference": "Self-preference, individual: own scored higher",
}


def _charts(report: dict[str, Any]) -> list[str]:
    nan = float("nan")
    charts = []
    for key, title in LABELS.items():
        rows = [("all others", report["overall"]), *report["by_author"].items()]
        estimates = [
            Estimate(
                key,
                f"vs {author}",
                figures[key]["value"] if figures[key]["value"] is not None else nan,
                figures[key]["low"] if figures[key]["low"] is not None else nan,
                figures[key]["high"] if figures[key]["high"] is not None else nan,
                0,
                0,
                figures[key]["n"],
            )
            for author, figures in rows
        ]
        if any(e.value == e.value for e in estimates):  # NaN != NaN: a chart with nothing to draw is left out
            charts.append(str(bar_chart(title, estimates, percent=True)))
    return charts


@researcher_required
@require_POST
def generation_start(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not started: " + form.errors.as_text())
        return redirect("audit-list")
    data = form.cleaned_data
    try:
        run = do_create_generation(
            data["generator"], data["source"], data["target"], data["author"], request_user(request)
        )
    except GenerateRefused as exc:
        messages.error(request, f"Not started: {exc}")
    else:
        messages.success(request, f"Generation {run.pk} started: {run.total} responses to write into {run.target}.")
    return redirect("audit-list")


QUESTION_COLUMNS = [
    "id",
    "ask",
    "item_id",
    "item__author",
    "other_item_id",
    "other_item__author",
    "own_first",
    "subject_is_own",
    "value",
    "p_first",
    "error",
]


@researcher_required
@require_GET
def audit_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every question of an audit and its answer, as CSV."""
    audit = get_audit_for_user(request, pk)
    rows = AuditQuestion.objects.filter(audit=audit).order_by("pk").values_list(*QUESTION_COLUMNS).iterator()
    response = StreamingHttpResponse(csv_lines(QUESTION_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{audit.pk}-questions.csv"'
    return response


@researcher_required
@require_GET
def critic_gdc(request: HttpRequest, pk: int) -> HttpResponse:
    """A critic's generator-discriminator-critique gap over a dataset's items with planted flaws."""
    critic = get_object_or_404(CriticConfig, pk=pk)
    datasets = Dataset.objects.order_by("name")
    chosen = request.GET.get("dataset", "")
    dataset = (
        datasets.filter(pk=int(chosen)).first() if chosen.isascii() and chosen.isdigit() and len(chosen) < 12 else None
    )
    report = gdc_report(critic, list(dataset.items.all())) if dataset is not None else None
    context = {"critic": critic, "datasets": datasets, "dataset": dataset, "report": report}
    return render(request, "assist/critic_gdc.html", context)
