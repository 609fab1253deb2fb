"""Adjudication through the API: every submitted report with Redline's proposal and the confirmed verdict."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from annotation.datasets.models import PlantedFlaw
from annotation.labeling.models import FlawReport
from annotation.results.adjudicating import proposed_match
from annotation.results.matching import Span, placeable
from annotation.results.models import Verdict
from annotation.studies.models import Study


class AdjudicationSerializer(serializers.Serializer[dict[str, Any]]):
    report = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    planted_flaw = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None
    )


class PlantedFlawBriefSerializer(serializers.ModelSerializer[PlantedFlaw]):
    class Meta:
        model = PlantedFlaw
        fields = ("id", "start", "end", "line_start", "line_end", "description", "severity", "category")


class ReportAdjudicationSerializer(serializers.Serializer[dict[str, Any]]):
    report = serializers.IntegerField()
    item = serializers.IntegerField()
    arm = serializers.CharField()
    contractor = serializers.CharField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    line_start = serializers.IntegerField(allow_null=True)
    line_end = serializers.IntegerField(allow_null=True)
    quote = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.CharField()
    proposed_planted_flaw = serializers.IntegerField(allow_null=True, help_text="Redline's automatic match.")
    needs_adjudication = serializers.BooleanField(
        help_text="The report points nowhere the matcher can compare (no span or lines) and is not yet decided: "
        "it counts neither as valid nor as invalid until a researcher confirms a verdict."
    )
    verdict = serializers.CharField(allow_null=True, help_text="Confirmed verdict; null until adjudicated.")
    planted_flaw = serializers.IntegerField(allow_null=True, help_text="Confirmed match; null if none.")
    confirmed = serializers.BooleanField()
    planted_flaws = PlantedFlawBriefSerializer(many=True, help_text="The item's planted flaws (ground truth).")


def study_reports(study: Study, item_id: str | None) -> QuerySet[FlawReport]:
    reports = FlawReport.objects.filter(
        review__assignment__study=study, review__assignment__purpose="task", review__status="submitted"
    )
    if item_id is not None:
        wanted = int(item_id) if item_id.isascii() and item_id.isdigit() and len(item_id) < 19 else -1
        reports = reports.filter(review__assignment__item_id=wanted)
    return reports.select_related(
        "review__assignment__contractor", "review__assignment__arm", "review__assignment__item", "adjudication"
    ).order_by("review__assignment__item_id", "id")


def report_rows(study: Study, reports: list[FlawReport]) -> list[dict[str, Any]]:
    planted: dict[int, list[PlantedFlaw]] = defaultdict(list)
    for flaw in PlantedFlaw.objects.filter(item_id__in={r.review.assignment.item_id for r in reports}).order_by("id"):
        planted[flaw.item_id].append(flaw)
    rows = []
    for report in reports:
        assignment = report.review.assignment
        adjudication = getattr(report, "adjudication", None)
        contractor = assignment.contractor.username if assignment.contractor else ""
        rows.append(
            {
                "report": report.pk, "item": assignment.item_id, "arm": assignment.arm.name,
                "contractor": contractor, "start": report.start, "end": report.end,
                "line_start": report.line_start, "line_end": report.line_end, "quote": report.quote,
                "description": report.description, "severity": report.severity,
                "proposed_planted_flaw": proposed_match(study, report, planted[assignment.item_id]),
                "verdict": adjudication.verdict if adjudication else None,
                "planted_flaw": adjudication.planted_flaw_id if adjudication else None,
                "confirmed": adjudication is not None, "planted_flaws": planted[assignment.item_id],
                "needs_adjudication": adjudication is None and not placeable(
                    Span(report.start, report.end, report.line_start, report.line_end)
                ),
            }
        )  # fmt: skip
    return rows
