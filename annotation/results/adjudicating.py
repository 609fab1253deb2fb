"""Adjudication actions: the researcher confirms or changes the proposed match and verdict of a report."""

from __future__ import annotations

from django.utils import timezone

from annotation.datasets.models import PlantedFlaw
from annotation.labeling.models import FlawReport
from annotation.results.matching import Span, propose
from annotation.results.models import Adjudication, Verdict
from annotation.studies.models import Study
from annotation.users import User


def proposed_match(study: Study, report: FlawReport, planted: list[PlantedFlaw]) -> int | None:
    spans = {f.pk: Span(f.start, f.end, f.line_start, f.line_end) for f in planted}
    span = Span(report.start, report.end, report.line_start, report.line_end)
    return propose(span, spans, code=report.review.assignment.item.kind == "code", threshold=study.match_threshold)


def check_adjudication(report: FlawReport, verdict: str, planted_flaw_id: int | None) -> list[str]:
    problems = []
    if verdict not in Verdict.values:
        problems.append(f"verdict: choose one of {', '.join(Verdict.values)}.")
    if planted_flaw_id is not None:
        item_id = report.review.assignment.item_id
        if not PlantedFlaw.objects.filter(pk=planted_flaw_id, item_id=item_id).exists():
            problems.append(f"planted_flaw: {planted_flaw_id} is not a planted flaw of item {item_id}.")
    return problems


def do_adjudicate(report: FlawReport, verdict: str, planted_flaw_id: int | None, user: User) -> Adjudication:
    adjudication, _ = Adjudication.objects.update_or_create(
        report=report,
        defaults={
            "verdict": verdict,
            "planted_flaw_id": planted_flaw_id,
            "adjudicated_by": user,
            "adjudicated_at": timezone.now(),
        },
    )
    return adjudication


def do_set_match_threshold(study: Study, threshold: float) -> None:
    """Proposals follow the new threshold at once; confirmed adjudications stay as they were."""
    study.match_threshold = threshold
    study.save(update_fields=["match_threshold"])
