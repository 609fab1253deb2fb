"""Figures for the researcher's study dashboard, each in a constant number of queries."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from annotation.studies.models import Arm, Assignment, AssignmentStatus, Purpose, Study


@dataclass(frozen=True)
class ArmProgress:
    arm: Arm
    total: int
    submitted: int
    active: int

    @property
    def pending(self) -> int:
        return self.total - self.submitted - self.active

    def percent(self, count: int) -> float:
        return 100 * count / self.total if self.total else 0.0

    @property
    def submitted_pct(self) -> float:
        return self.percent(self.submitted)

    @property
    def active_pct(self) -> float:
        return self.percent(self.active)


@dataclass(frozen=True)
class ContractorFigures:
    username: str
    submitted: int
    left: int
    median_active_s: float | None
    tasks_per_hour: float | None


def arm_progress(study: Study) -> list[ArmProgress]:
    counts = {
        row["arm_id"]: row
        for row in Assignment.objects.filter(study=study, purpose=Purpose.TASK)
        .values("arm_id")
        .annotate(
            total=Count("id"),
            submitted=Count("id", filter=Q(status=AssignmentStatus.SUBMITTED)),
            active=Count("id", filter=Q(status=AssignmentStatus.ACTIVE)),
        )
    }
    empty = {"total": 0, "submitted": 0, "active": 0}
    return [
        ArmProgress(
            arm,
            counts.get(arm.pk, empty)["total"],
            counts.get(arm.pk, empty)["submitted"],
            counts.get(arm.pk, empty)["active"],
        )
        for arm in study.arms.select_related("critic")
    ]


def contractor_figures(study: Study) -> list[ContractorFigures]:
    """Throughput is submitted tasks per hour of active time; time is the browser-measured active time."""
    times: dict[str, list[float]] = defaultdict(list)
    left: dict[str, int] = defaultdict(int)
    rows = Assignment.objects.filter(study=study, contractor__isnull=False).values_list(
        "contractor__username", "status", "active_seconds"
    )
    for username, status, seconds in rows:
        if status == AssignmentStatus.SUBMITTED:
            times[username].append(seconds)
        else:
            left[username] += 1
    figures = []
    for username in sorted(set(times) | set(left)):
        done = times.get(username, [])
        total_s = sum(done)
        figures.append(
            ContractorFigures(
                username=username,
                submitted=len(done),
                left=left.get(username, 0),
                median_active_s=statistics.median(done) if done else None,
                tasks_per_hour=len(done) / (total_s / 3600) if total_s > 0 else None,
            )
        )
    return figures


def released_pool(study: Study) -> int:
    return Assignment.objects.filter(study=study, contractor__isnull=True, status=AssignmentStatus.PENDING).count()


def checks_answered(study: Study) -> dict[str, int]:
    """Submitted check tasks by kind: counted apart from the study's own."""
    rows = (
        Assignment.objects.filter(study=study, status=AssignmentStatus.SUBMITTED)
        .exclude(purpose=Purpose.TASK)
        .values_list("purpose")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {Purpose(purpose).label: n for purpose, n in rows}
