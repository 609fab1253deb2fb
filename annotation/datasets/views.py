from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from annotation.access import (
    DATASET_EXPORT_REFUSED,
    get_dataset_for_researcher,
    get_import_for_user,
    get_item_for_researcher,
    may_export_dataset,
    request_user,
    researcher_required,
)
from annotation.datasets.forms import ImportForm
from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.importing.jobs import do_start_import, runs_in_background
from annotation.datasets.importing.service import do_import
from annotation.datasets.models import Dataset
from annotation.results.export_views import start_export_from_page
from annotation.web.highlight import highlighted_lines
from annotation.web.http import HtmxHttpRequest
from assist.interface import critique_label_counts

ITEMS_PER_PAGE = 50


@researcher_required
def dataset_list(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.select_related("created_by").annotate(item_count=Count("items"))
    return render(request, "annotation/dataset_list.html", {"datasets": datasets})


@researcher_required
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_dataset_for_researcher(request, pk)
    items = dataset.items.annotate(
        flaw_count=Count("planted_flaws", distinct=True), critique_count=Count("critiques", distinct=True)
    ).order_by("id")
    kind = request.GET.get("kind", "")
    if kind in ("summary", "code"):
        items = items.filter(kind=kind)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    counts = dict(dataset.items.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    context = {
        "dataset": dataset,
        "page": page,
        "kind": kind,
        "counts": counts,
        "labels": critique_label_counts(dataset.items.all()),
    }
    return render(request, "annotation/dataset_detail.html", context)


@researcher_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_item_for_researcher(request, pk)
    critiques = item.critiques.select_related("critic").prefetch_related("comments")
    context = {
        "item": item,
        "flaws": item.planted_flaws.all(),
        "critiques": critiques,
        "code_lines": highlighted_lines(item.response, item.language) if item.kind == "code" else None,
    }
    return render(request, "annotation/item_detail.html", context)


@researcher_required
@require_http_methods(["GET", "POST"])
def dataset_import(request: HtmxHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = failure = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if runs_in_background(upload.size):
            job = do_start_import(
                upload, name=form.cleaned_data["name"], fmt=form.cleaned_data["format"],
                description=form.cleaned_data["description"], user=request_user(request),
            )  # fmt: skip
            url = reverse("import-detail", args=[job.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        try:
            result = do_import(
                upload,
                name=form.cleaned_data["name"],
                fmt=form.cleaned_data["format"],
                filename=upload.name,
                size=upload.size,
                user=request_user(request),
                description=form.cleaned_data["description"],
            )
        except ImportFailed as exc:
            failure = exc
    # htmx swaps only 2xx responses; full-page posts get a proper 400.
    failed = request.method == "POST" and result is None
    status = 400 if failed and not request.htmx else 200
    template = "annotation/dataset_import.html"
    if request.htmx:
        template += "#outcome"
    return render(request, template, {"form": form, "result": result, "failure": failure}, status=status)


@researcher_required
@require_POST
def dataset_export_start(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_dataset_for_researcher(request, pk)
    if not may_export_dataset(request_user(request)):
        raise PermissionDenied(DATASET_EXPORT_REFUSED)
    return start_export_from_page(request, dataset=dataset)


@researcher_required
@require_GET
def import_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A background import: progress while the worker reads it, then what it imported or why not."""
    job = get_import_for_user(request, pk)
    template = "annotation/import_detail.html" + ("#progress" if request.htmx else "")
    return render(request, template, {"job": job})
