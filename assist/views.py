from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotation.access import request_user, researcher_required
from annotation.web.http import HtmxHttpRequest
from assist.access import get_critic_for_change, get_run_for_control
from assist.forms import CriticConfigForm, StartRunForm
from assist.models import CriticConfig, CritiqueRun, CritiqueRunItem, RunItemStatus
from assist.runs import RunRefused, do_cancel_run, do_create_run, do_retry_failed


def _get_run(pk: int) -> CritiqueRun:
    return get_object_or_404(CritiqueRun.objects.select_related("critic", "created_by"), pk=pk)


@researcher_required
def critic_list(request: HttpRequest) -> HttpResponse:
    critics = CriticConfig.objects.all()
    return render(request, "assist/critic_list.html", {"critics": critics})


@researcher_required
@require_http_methods(["GET", "POST"])
def critic_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    critic = get_critic_for_change(request, pk) if pk else None
    form = CriticConfigForm(request.POST or None, instance=critic)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = request_user(request)
        saved.save()
        messages.success(request, f"Saved critic {saved.name}.")
        return redirect("critic-list")
    return render(request, "assist/critic_form.html", {"form": form, "critic": critic})


@researcher_required
def run_list(request: HttpRequest) -> HttpResponse:
    runs = Paginator(CritiqueRun.objects.select_related("critic", "created_by"), 50).get_page(request.GET.get("page"))
    return render(request, "assist/run_list.html", {"page": runs})


@researcher_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = StartRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a critic and a dataset.")
        return redirect("run-list")
    items = form.cleaned_data["dataset"].items.all()
    if form.cleaned_data["kind"]:
        items = items.filter(kind=form.cleaned_data["kind"])
    try:
        run = do_create_run(form.cleaned_data["critic"], items, request_user(request))
    except RunRefused as exc:
        messages.error(request, str(exc))
        return redirect("run-list")
    return redirect("run-detail", pk=run.pk)


@researcher_required
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = _get_run(pk)
    failures = CritiqueRunItem.objects.filter(run=run, status=RunItemStatus.FAILED).order_by("item_id")[:50]
    context = {"run": run, "failures": failures}
    if request.htmx:
        return render(request, "assist/run_detail.html#progress", context)
    return render(request, "assist/run_detail.html", context)


@researcher_required
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_control(request, pk)
    do_cancel_run(run)
    messages.success(request, "Cancelling: requests already sent will finish first.")
    return redirect("run-detail", pk=run.pk)


@researcher_required
@require_POST
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_control(request, pk)
    try:
        count = do_retry_failed(run)
    except RunRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Retrying {count} failed items.")
    return redirect("run-detail", pk=run.pk)
