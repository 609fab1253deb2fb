"""Export jobs from the browser: start one for a study (or, for admins, a dataset), watch it, download the zip."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotation.access import (
    exports_for,
    get_export_for_user,
    get_study_for_researcher,
    request_user,
    researcher_required,
)
from annotation.datasets.models import Dataset
from annotation.results.exporting.jobs import check_export, do_start_export, download_name, finished_file
from annotation.studies.models import Study
from annotation.web.http import HtmxHttpRequest


def start_export_from_page(
    request: HttpRequest, study: Study | None = None, dataset: Dataset | None = None
) -> HttpResponse:
    fmt = request.POST.get("format", "")
    tables = request.POST.getlist("tables")
    problems = check_export(dataset, fmt, tables)
    if problems:
        messages.error(request, " ".join(f"{field}: {message}." for field, message in problems.items()))
        return redirect("study-results", pk=study.pk) if study else redirect("dataset-detail", pk=dataset.pk)  # type: ignore[union-attr]
    job = do_start_export(request_user(request), fmt, study=study, dataset=dataset, tables=tables)
    messages.success(request, f"Export {job.pk} queued.")
    return redirect("export-detail", pk=job.pk)


@researcher_required
@require_POST
def study_export_start(request: HttpRequest, pk: int) -> HttpResponse:
    return start_export_from_page(request, study=get_study_for_researcher(request, pk))


@researcher_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = exports_for(request_user(request))[:100]
    return render(request, "annotation/export_list.html", {"jobs": jobs})


@researcher_required
@require_GET
def export_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = get_export_for_user(request, pk)
    template = "annotation/export_detail.html" + ("#progress" if request.htmx else "")
    return render(request, template, {"job": job, "retention_days": settings.REDLINE_EXPORT_RETENTION_DAYS})


@researcher_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_export_for_user(request, pk)
    path = finished_file(job)
    if path is None:
        raise Http404("This export has no file (yet).")
    return FileResponse(path.open("rb"), as_attachment=True, filename=download_name(job))
