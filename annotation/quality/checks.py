"""Checks on contractors inside a study's queue: qualification first, gold and attention checks mixed
in at the study's rate, a per-contractor cap, and the thresholds that warn or pause.

A check is an ordinary review task of an item with known flaws (its `purpose` says which check);
the contractor sees nothing that tells it apart. Checks come one in every round(1 / rate) tasks, at a
seeded random place within each block. A check **passes** when the review catches at least half of
the item's known flaws (an attention check has one: the span it asks for). Accuracy is
passed / answered, with a Wilson 95% interval. Qualification passes when the reviews of the whole
qualifying set catch at least `qualification_pass` of its flaws.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from annotation.datasets.models import PlantedFlaw
from annotation.labeling.models import FlawReport, Skip
from annotation.quality.models import QualityPlan, Standing
from annotation.results.matching import Span, propose
from annotation.studies.models import Assignment, AssignmentStatus, CheckRole, Purpose, Study
from annotation.users import User

PASS_SHARE = 0.5
CHECK_ROLES = (CheckRole.GOLD, CheckRole.ATTENTION)


def plan_of(study: Study) -> QualityPlan | None:
    try:
        return study.quality_plan
    except QualityPlan.DoesNotExist:
        return None


@dataclass(frozen=True)
class Gate:
    stop: str = ""  # why this contractor gets no more of the study's tasks now
    check: Assignment | None = None


def gate(study: Study, contractor: User, candidate: Assignment, *, dry: bool = False) -> Gate:
    """What the contractor gets instead of `candidate` (their next real task), if anything.

    Check tasks are created here, in the candidate's arm, already started (unless `dry`)."""
    plan = plan_of(study)
    if plan is None and study.tasks_per_contractor is None:
        return Gate()
    mine = Assignment.objects.filter(study=study, contractor=contractor)
    skipped: set[int] = set()
    if plan is not None:
        skipped = set(Skip.objects.filter(study=study, contractor=contractor).values_list("item_id", flat=True))
        standing = Standing.objects.filter(study=study, contractor=contractor).first()
        if standing is not None and standing.paused_at is not None:
            return Gate(stop="paused")
        qualifying = list(study.check_items.filter(role=CheckRole.QUALIFICATION).values_list("item_id", flat=True))
        if qualifying and (standing is None or standing.qualified is not True):
            if standing is not None and standing.qualified is False:
                return Gate(stop="not qualified")
            done = set(mine.filter(purpose=Purpose.QUALIFICATION).values_list("item_id", flat=True))
            left = [item for item in qualifying if item not in done and item not in skipped]
            if not left:
                return Gate(stop="qualification pending")
            return Gate(check=None if dry else _start(study, contractor, candidate, left[0], Purpose.QUALIFICATION))
    if study.tasks_per_contractor is not None:
        taken = mine.filter(purpose=Purpose.TASK).exclude(status=AssignmentStatus.PENDING).count()
        if taken >= study.tasks_per_contractor:
            return Gate(stop="quota reached")
    if plan is None or plan.gold_rate <= 0 or dry:
        return Gate()
    position = mine.exclude(status=AssignmentStatus.PENDING).count() + len(skipped)
    if not check_due(study.seed, contractor.pk, plan.gold_rate, position):
        return Gate()
    rng = random.Random(f"{study.seed}:{contractor.pk}:pick:{position}")  # noqa: S311 - reproducible
    seen = mine.values("item_id")
    unseen = list(
        study.check_items.filter(role__in=CHECK_ROLES)
        .exclude(item_id__in=seen)
        .exclude(item_id__in=skipped)
        .order_by("item_id")
        .values_list("item_id", "role")
    )
    if not unseen:
        return Gate()
    item, role = rng.choice(unseen)
    return Gate(check=_start(study, contractor, candidate, item, role))


def check_due(seed: int, contractor_id: int, rate: float, position: int) -> bool:
    """Whether the contractor's task at `position` (0-based, checks and skips counted) is a check: one
    in every round(1 / rate), at a seeded random place within each block, so the rate holds for
    everyone and nobody can tell where the next check falls."""
    block = max(1, round(1 / rate))
    place = random.Random(f"{seed}:{contractor_id}:{position // block}").randrange(block)  # noqa: S311
    return position % block == place


def _start(study: Study, contractor: User, candidate: Assignment, item: int, purpose: str) -> Assignment:
    return Assignment.objects.create(
        study=study,
        item_id=item,
        arm_id=candidate.arm_id,
        contractor=contractor,
        purpose=purpose,
        status=AssignmentStatus.ACTIVE,
        started_at=timezone.now(),
    )


MAX_SPREAD_CHARS, MAX_SPREAD_LINES = 80, 2


def _narrow(report: Span, flaw: Span) -> bool:
    """A report may pass a check only if it is about as narrow as the known flaw: one report over the
    whole text must not pass every attention check."""
    if report.line_start is not None and flaw.line_start is not None:
        lines = (report.line_end or report.line_start) - report.line_start
        return lines <= (flaw.line_end or flaw.line_start) - flaw.line_start + MAX_SPREAD_LINES
    if None in (report.start, report.end, flaw.start, flaw.end):
        return False
    assert report.start is not None and report.end is not None and flaw.start is not None and flaw.end is not None
    width = flaw.end - flaw.start
    return report.end - report.start <= max(3 * width, width + MAX_SPREAD_CHARS)


def caught_counts(assignment: Assignment) -> tuple[int, int]:
    """(known flaws the review caught, known flaws of the item): the study's automatic match, with reports
    no broader than the flaw allows (see _narrow)."""
    known = PlantedFlaw.objects.filter(item=assignment.item_id)
    planted = {f.pk: Span(f.start, f.end, f.line_start, f.line_end) for f in known}
    code, threshold = assignment.item.kind == "code", assignment.study.match_threshold
    caught = set()
    for r in FlawReport.objects.filter(review__assignment=assignment):
        report = Span(r.start, r.end, r.line_start, r.line_end)
        near = {pk: span for pk, span in planted.items() if _narrow(report, span)}
        match = propose(report, near, code=code, threshold=threshold)
        if match is not None:
            caught.add(match)
    return len(caught), len(planted)


def do_record_checks(assignment: Assignment) -> list[str]:
    """On submit (inside its transaction): the minimum-time flag, the check's score, and what follows
    for the contractor's standing. Returns the standing changes made ("warned", "paused", ...)."""
    study = assignment.study
    plan = plan_of(study)
    if plan is None:
        return []
    assignment.too_fast = plan.min_active_s is not None and assignment.active_seconds < plan.min_active_s
    fields = ["too_fast"]
    if assignment.purpose != Purpose.TASK:
        caught, planted = caught_counts(assignment)
        assignment.check_score = caught / planted if planted else None
        fields.append("check_score")
    assignment.save(update_fields=fields)
    assert assignment.contractor_id is not None
    if assignment.purpose == Purpose.QUALIFICATION:
        return settle_qualification(study, assignment.contractor_id)
    if assignment.purpose in CHECK_ROLES:
        return _apply_thresholds(study, plan, assignment)
    return []


def _standing(study: Study, contractor_id: int) -> Standing:
    return Standing.objects.select_for_update().get_or_create(study=study, contractor_id=contractor_id)[0]


def settle_qualification(study: Study, contractor_id: int) -> list[str]:
    """Once every qualifying item is answered or skipped (a skip catches nothing): qualified or not."""
    plan = plan_of(study)
    qualifying = set(study.check_items.filter(role=CheckRole.QUALIFICATION).values_list("item_id", flat=True))
    if plan is None or not qualifying:
        return []
    answered = list(
        Assignment.objects.filter(
            study=study, contractor_id=contractor_id, purpose=Purpose.QUALIFICATION, status="submitted"
        ).select_related("item", "study")
    )
    skipped = set(
        Skip.objects.filter(study=study, contractor_id=contractor_id, item_id__in=qualifying).values_list(
            "item_id", flat=True
        )
    )
    if not qualifying <= {a.item_id for a in answered} | skipped:
        return []
    caught = planted = 0
    for answer in answered:
        c, p = caught_counts(answer)
        caught, planted = caught + c, planted + p
    planted += PlantedFlaw.objects.filter(item_id__in=skipped).count()
    standing = _standing(study, contractor_id)
    standing.qualification_score = caught / planted if planted else 1.0
    standing.qualified = standing.qualification_score >= plan.qualification_pass
    standing.save(update_fields=("qualification_score", "qualified"))
    if not standing.qualified:
        release_pending(study, contractor_id)
    return ["qualified" if standing.qualified else "not qualified"]


def release_pending(study: Study, contractor_id: int) -> int:
    """Someone who may no longer work on the study leaves their not-yet-started tasks to the others."""
    return Assignment.objects.filter(
        study=study, contractor_id=contractor_id, status=AssignmentStatus.PENDING, purpose=Purpose.TASK
    ).update(contractor=None)


@dataclass(frozen=True)
class Accuracy:
    passed: int
    answered: int
    low: float | None
    high: float | None

    @property
    def rate(self) -> float | None:
        return self.passed / self.answered if self.answered else None


def accuracy(passed: int, answered: int) -> Accuracy:
    if not answered:
        return Accuracy(0, 0, None, None)
    low, high = proportion_confint(passed, answered, alpha=0.05, method="wilson")
    return Accuracy(passed, answered, float(low), float(high))


def check_accuracy(study: Study, contractor_id: int | None = None) -> dict[int, Accuracy]:
    """Per contractor: gold and attention checks passed / answered, with a Wilson 95% interval."""
    checks = Assignment.objects.filter(study=study, purpose__in=CHECK_ROLES, status="submitted")
    if contractor_id is not None:
        checks = checks.filter(contractor_id=contractor_id)
    rows = (
        checks.exclude(check_score=None)
        .values("contractor_id")
        .annotate(answered=Count("id"), passed=Count("id", filter=Q(check_score__gte=PASS_SHARE)))
    )
    return {row["contractor_id"]: accuracy(row["passed"], row["answered"]) for row in rows}


def _apply_thresholds(study: Study, plan: QualityPlan, assignment: Assignment) -> list[str]:
    assert assignment.contractor_id is not None
    result = check_accuracy_of(study, assignment.contractor_id)
    if result.answered < plan.min_checks or result.rate is None:
        return []
    changes = []
    standing = _standing(study, assignment.contractor_id)
    now = timezone.now()
    paused_before = standing.paused_at is not None or standing.resumed_at is not None  # a researcher decided
    if plan.pause_below is not None and result.rate < plan.pause_below and not paused_before:
        standing.paused_at = now
        standing.pause_reason = (
            f"Check accuracy {result.passed}/{result.answered} fell below {plan.pause_below:.0%} "
            f"after {result.answered} checks."
        )
        changes.append("paused")
        release_pending(study, assignment.contractor_id)
    if plan.warn_below is not None and result.rate < plan.warn_below and standing.warned_at is None:
        standing.warned_at = now
        changes.append("warned")
    if changes:
        standing.save(update_fields=("paused_at", "pause_reason", "warned_at"))
    return changes


def check_accuracy_of(study: Study, contractor_id: int) -> Accuracy:
    return check_accuracy(study, contractor_id).get(contractor_id, accuracy(0, 0))
