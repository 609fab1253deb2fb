from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotation.access import get_dataset_for_researcher, get_item_for_researcher, request_user, researcher_required
from annotation.forms import ImportForm
from annotation.highlight import highlighted_lines
from annotation.http import HtmxHttpRequest
from annotation.importing import ImportFailed, do_import
from annotation.models import Dataset

ITEMS_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.is_researcher:
        return redirect("dataset-list")
    if user.is_contractor:
        return redirect("queue")
    return render(request, "annotation/contractor_home.html")


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
    return render(
        request, "annotation/dataset_detail.html", {"dataset": dataset, "page": page, "kind": kind, "counts": counts}
    )


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
