"""Results and adjudication pages of a study (researchers; contractors never reach them)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from annotation.access import get_study_for_researcher, request_user, researcher_required
from annotation.comparing.pages import comparison_results_page
from annotation.datasets.models import Item, PlantedFlaw
from annotation.labeling.models import FlawReport
from annotation.quality.models import Exclusion
from annotation.results.adjudicating import check_adjudication, do_adjudicate, do_set_match_threshold, proposed_match
from annotation.results.analysis.report import results_csv
from annotation.results.current import current_analysis
from annotation.results.exporting.tables import TABLES, rows
from annotation.results.exporting.writers import csv_lines, jsonl_lines
from annotation.results.matching import Span, placeable
from annotation.results.models import Verdict
from annotation.studies.models import TaskKind
from annotation.web.http import HtmxHttpRequest

EXPORT_FORMAT_CHOICES = (
    ("parquet", "Parquet tables"),
    ("jsonl", "JSON Lines tables"),
    ("csv", "CSV tables"),
    ("openai-critiques", "OpenAI critiques release format"),
)


@researcher_required
@require_GET
def study_results_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The stored analysis; while the worker brings it up to date, the page polls the progress."""
    study = get_study_for_researcher(request, pk)
    if study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
        return comparison_results_page(request, study)
    if study.task_kind == TaskKind.TAMPER:
        return redirect("study-tampers", pk=study.pk)
    current = current_analysis(study)
    body = current.snapshot.payload if current.snapshot is not None else {}
    context = {
        "study": study,
        "current": current,
        "snapshot": current.snapshot,
        "results": body.get("results", {}),
        "charts": body.get("charts", []),
        "time_chart": body.get("time_chart", ""),
        "table": body.get("table", []),
        "mixed_method": body.get("mixed_method", ""),
        "export_tables": list(TABLES),
        "export_formats": EXPORT_FORMAT_CHOICES,
        "exclusions": Exclusion.objects.filter(study=study, restored_at=None).select_related(
            "contractor", "excluded_by"
        ),
    }
    if request.htmx and current.computing:
        return render(request, "annotation/study_results.html#computing", context)
    if request.htmx:  # done: the whole page, now up to date
        return HttpResponseClientRefresh()
    return render(request, "annotation/study_results.html", context)


@researcher_required
@require_GET
def study_results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    current = current_analysis(study)
    if current.snapshot is None:
        return HttpResponse("The analysis is being computed; try again in a minute.", status=503)
    response = HttpResponse(results_csv(current.snapshot.payload["results"]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-results.csv"'
    if not current.fresh:
        response["X-Redline-Stale"] = "computed before the latest changes; an update is being computed"
    return response


@researcher_required
@require_GET
def adjudication_list(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    counts = (
        FlawReport.objects.filter(
            review__assignment__study=study, review__assignment__purpose="task", review__status="submitted"
        )
        .values("review__assignment__item_id")
        .annotate(reports=Count("id"), done=Count("adjudication"))
        .order_by("review__assignment__item_id")
    )
    items = Item.objects.in_bulk([row["review__assignment__item_id"] for row in counts])
    planted = dict(
        PlantedFlaw.objects.filter(item_id__in=list(items))
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
    )
    rows = [
        {"item": items[row["review__assignment__item_id"]], "reports": row["reports"], "done": row["done"],
         "planted": planted.get(row["review__assignment__item_id"], 0)}
        for row in counts
    ]  # fmt: skip
    return render(request, "annotation/adjudication_list.html", {"study": study, "rows": rows})


@researcher_required
@require_GET
def adjudicate_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    item = get_object_or_404(Item, pk=item_pk, studyitem__study=study)
    planted = list(PlantedFlaw.objects.filter(item=item))
    reports = (
        FlawReport.objects.filter(
            review__assignment__study=study, review__assignment__item=item, review__status="submitted"
        )
        .select_related(
            "review__assignment__contractor", "review__assignment__arm", "review__assignment__item", "adjudication"
        )
        .order_by("review__assignment__contractor__username", "id")
    )
    rows = []
    for report in reports:
        adjudication = getattr(report, "adjudication", None)
        proposal = proposed_match(study, report, planted)
        pending = adjudication is None and not placeable(
            Span(report.start, report.end, report.line_start, report.line_end)
        )
        rows.append({"report": report, "adjudication": adjudication, "proposal": proposal, "pending": pending})
    context = {"study": study, "item": item, "planted": planted, "rows": rows, "verdicts": Verdict.choices}
    return render(request, "annotation/adjudicate_item.html", context)


@researcher_required
@require_POST
def adjudicate_report(request: HttpRequest, pk: int, report_pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    report = get_object_or_404(
        FlawReport.objects.select_related("review__assignment__item"), pk=report_pk, review__assignment__study=study
    )
    raw = request.POST.get("planted_flaw", "")
    planted_id = int(raw) if raw.isdigit() else None
    verdict = request.POST.get("verdict", "")
    problems = check_adjudication(report, verdict, planted_id)
    if problems:
        messages.error(request, " ".join(problems))
    else:
        do_adjudicate(report, verdict, planted_id, request_user(request))
    return redirect("study-adjudicate-item", pk=study.pk, item_pk=report.review.assignment.item_id)


@researcher_required
@require_POST
def match_threshold(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    try:
        threshold = float(request.POST.get("match_threshold", ""))
    except ValueError:
        threshold = -1.0
    if not 0.0 <= threshold <= 1.0:
        messages.error(request, "match_threshold: give a number from 0 to 1.")
    else:
        do_set_match_threshold(study, threshold)
        messages.success(request, f"Match threshold set to {threshold:g}.")
    return redirect("study-adjudicate", pk=study.pk)


@researcher_required
@require_GET
def study_export(request: HttpRequest, pk: int, table: str, fmt: str) -> HttpResponseBase:
    """A table of the study as a streaming download: rows go out as Postgres hands them over."""
    study = get_study_for_researcher(request, pk)
    if table not in TABLES or fmt not in ("jsonl", "csv"):
        raise Http404
    types, queryset, _ = TABLES[table]
    source = rows(queryset(study))
    lines = jsonl_lines(list(types), source) if fmt == "jsonl" else csv_lines(list(types), source)
    content_type = "application/jsonl; charset=utf-8" if fmt == "jsonl" else "text/csv; charset=utf-8"
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-{table}.{fmt}"'
    return response
