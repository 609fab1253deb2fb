"""Study actions: check_* says what stands in the way, do_* changes state (under a row lock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from annotation.assignment import PlanError, plan
from annotation.models import (
    Arm,
    ArmKind,
    Assignment,
    AssignmentStatus,
    Enrollment,
    Review,
    Study,
    StudyItem,
    StudyStatus,
    User,
)


class StudyRefused(Exception):
    pass


@dataclass(frozen=True)
class MissingCritiques:
    arm: Arm
    item_ids: list[int]

    def __str__(self) -> str:
        return (
            f"Arm {self.arm.name}: {len(self.item_ids)} items have no chosen critique from "
            f"{self.arm.critic}; generate them before launching."
        )


def study_item_ids(study: Study) -> list[int]:
    return list(StudyItem.objects.filter(study=study).order_by("item_id").values_list("item_id", flat=True))


def check_missing_critiques(study: Study) -> list[MissingCritiques]:
    from assist.interface import items_missing_chosen_critique

    item_ids = study_item_ids(study)
    missing = []
    for arm in study.arms.filter(kind=ArmKind.ASSISTED).select_related("critic"):
        assert arm.critic_id is not None
        lacking = items_missing_chosen_critique(arm.critic_id, item_ids)
        if lacking:
            missing.append(MissingCritiques(arm, lacking))
    return missing


def check_launch(study: Study) -> list[str]:
    problems: list[str] = []
    if study.status not in (StudyStatus.DRAFT, StudyStatus.READY):
        problems.append(f"The study is {study.get_status_display().lower()}.")
    arms = list(study.arms.all())
    if not arms:
        problems.append("Add at least one arm.")
    item_ids = study_item_ids(study)
    contractors = list(Enrollment.objects.filter(study=study).values_list("contractor_id", flat=True))
    if arms and item_ids and contractors:
        try:
            plan(
                item_ids,
                contractors,
                [arm.pk for arm in arms],
                design=study.design,
                reviews=study.reviews_per_item,
                seed=study.seed,
            )
        except PlanError as exc:
            problems.append(str(exc))
    else:
        if not item_ids:
            problems.append("Add items.")
        if not contractors:
            problems.append("Enrol contractors.")
    problems.extend(str(missing) for missing in check_missing_critiques(study))
    return problems


def do_launch(study: Study) -> int:
    """Plan and create every assignment, then run the study. Returns the number of assignments."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        problems = check_launch(study)
        if problems:
            raise StudyRefused(" ".join(problems))
        arms = [arm.pk for arm in study.arms.all()]
        contractors = list(Enrollment.objects.filter(study=study).values_list("contractor_id", flat=True))
        slots = plan(
            study_item_ids(study),
            contractors,
            arms,
            design=study.design,
            reviews=study.reviews_per_item,
            seed=study.seed,
        )
        Assignment.objects.bulk_create(
            [
                Assignment(study=study, item_id=s.item, contractor_id=s.contractor, arm_id=s.arm, order=s.order)
                for s in slots
            ],
            batch_size=5000,
        )
        study.status = StudyStatus.RUNNING
        study.launched_at = timezone.now()
        study.save(update_fields=("status", "launched_at"))
    return len(slots)


def claim_next(contractor: User, study: Study | None = None) -> Assignment | None:
    """The contractor's next task: their unfinished one first, then their queue, then released tasks.

    Concurrent callers never get the same assignment: rows are taken with FOR UPDATE SKIP LOCKED.
    """
    running = Assignment.objects.filter(study__status=StudyStatus.RUNNING)
    if study is not None:
        running = running.filter(study=study)
    with transaction.atomic():
        unfinished = running.filter(contractor=contractor, status=AssignmentStatus.ACTIVE).order_by("order").first()
        if unfinished is not None:
            return unfinished
        mine = (
            running.select_for_update(skip_locked=True, of=("self",))
            .filter(contractor=contractor, status=AssignmentStatus.PENDING)
            .order_by("study_id", "order")
            .first()
        )
        if mine is None:
            mine = _claim_released(running, contractor)
        if mine is None:
            return None
        mine.status = AssignmentStatus.ACTIVE
        mine.contractor = contractor
        mine.started_at = timezone.now()
        mine.save(update_fields=("status", "contractor", "started_at"))
        return mine


def _claim_released(running: QuerySet[Assignment], contractor: User) -> Assignment | None:
    enrolled = Enrollment.objects.filter(contractor=contractor).values("study_id")
    seen = Assignment.objects.filter(contractor=contractor).values("study_id", "item_id")
    released = running.filter(contractor__isnull=True, status=AssignmentStatus.PENDING, study_id__in=enrolled)
    # Never the same item twice; in between-subject studies only tasks of the contractor's own arm.
    for pair in seen:
        released = released.exclude(study_id=pair["study_id"], item_id=pair["item_id"])
    own_arms = Assignment.objects.filter(contractor=contractor, study__design="between").values("arm_id")
    released = released.filter(Q(study__design="within") | Q(arm_id__in=own_arms))
    return released.select_for_update(skip_locked=True, of=("self",)).order_by("study_id", "id").first()


def do_release_abandoned(study: Study) -> int:
    """Tasks started longer than the study's abandon_after_s ago go back to the pool."""
    cutoff = timezone.now() - timedelta(seconds=study.abandon_after_s)
    with transaction.atomic():
        stale = Assignment.objects.select_for_update(skip_locked=True).filter(
            study=study, status=AssignmentStatus.ACTIVE, started_at__lt=cutoff
        )
        ids = list(stale.values_list("pk", flat=True))
        # The abandoned draft goes with the contractor: the next one starts clean and never sees it.
        Review.objects.filter(assignment_id__in=ids).delete()
        for assignment in Assignment.objects.filter(pk__in=ids):
            assignment.contractor = None
            assignment.status = AssignmentStatus.PENDING
            assignment.started_at = None
            assignment.active_seconds = 0
            assignment.releases += 1
            assignment.save(update_fields=("contractor", "status", "started_at", "active_seconds", "releases"))
    return len(ids)
