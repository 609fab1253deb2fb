"""The contractor's queue: claiming the next task without races, and releasing abandoned ones."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast, Greatest
from django.utils import timezone

from annotation.comparing.models import Comparison
from annotation.labeling.models import Review, Skip, SkipReason
from annotation.quality.checks import gate, settle_qualification
from annotation.studies.enrolment import enrolled_arm
from annotation.studies.models import Assignment, AssignmentStatus, Design, Enrollment, Purpose, Study, StudyStatus
from annotation.tampering.models import Tamper
from annotation.users import User


def claim_next(contractor: User, study: Study | None = None) -> Assignment | None:
    """The contractor's next task: their unfinished one first, then, study by study, their queue, then
    released or pooled tasks; a study's checks (qualification, gold, quota, pause) may step in.

    Concurrent callers never get the same assignment: rows are taken with FOR UPDATE SKIP LOCKED.
    """
    running = Assignment.objects.filter(study__status=StudyStatus.RUNNING)
    if study is not None:
        running = running.filter(study=study)
    with transaction.atomic():
        # The contractor's enrolment rows are locked first: their own claims (a double click, two tabs)
        # go one at a time, so a check is never created twice nor an item handed to them twice.
        studies = _studies_of(contractor, study, lock=True)
        unfinished = running.filter(contractor=contractor, status=AssignmentStatus.ACTIVE).order_by("order").first()
        if unfinished is not None:
            return unfinished
        for candidate_study in studies:
            mine = _candidate(candidate_study, contractor)
            if mine is None:
                continue
            decided = gate(candidate_study, contractor, mine)
            if decided.check is not None:
                return decided.check
            if decided.stop:
                continue
            mine.status = AssignmentStatus.ACTIVE
            mine.contractor = contractor
            mine.started_at = timezone.now()
            mine.save(update_fields=("status", "contractor", "started_at"))
            return mine
        return None


def _studies_of(contractor: User, study: Study | None, *, lock: bool = False) -> list[Study]:
    enrolments = Enrollment.objects.filter(contractor=contractor, study__status=StudyStatus.RUNNING)
    if study is not None:
        enrolments = enrolments.filter(study=study)
    if lock:
        enrolments = enrolments.select_for_update(of=("self",))
    return [e.study for e in enrolments.select_related("study", "study__quality_plan").order_by("study_id")]


def _candidate(study: Study, contractor: User, *, lock: bool = True) -> Assignment | None:
    """The study task this contractor would take next: their own queue first, then the pool."""
    own = Assignment.objects.filter(study=study, contractor=contractor, status=AssignmentStatus.PENDING)
    pool = _released_for(study, contractor)
    if lock:
        own = own.select_for_update(skip_locked=True, of=("self",))
        pool = pool.select_for_update(skip_locked=True, of=("self",))
    return own.order_by("order").first() or pool.order_by("order", "id").first()


def _released_for(study: Study, contractor: User) -> QuerySet[Assignment]:
    """Released (or pooled) tasks this contractor may take: never an item they reviewed or skipped, and
    in between-subject studies only tasks of their own arm."""
    released = Assignment.objects.filter(study=study, contractor__isnull=True, status=AssignmentStatus.PENDING)
    released = released.exclude(
        item_id__in=Assignment.objects.filter(study=study, contractor=contractor).values("item_id")
    )
    released = released.exclude(item_id__in=Skip.objects.filter(study=study, contractor=contractor).values("item_id"))
    if study.design != Design.BETWEEN:
        return released
    # Any task of theirs says their arm, a check too (made in the arm of the task it stood in for): a
    # contractor whose queued tasks went back to the pool (paused, then resumed) still finds their arm.
    own_arms = Assignment.objects.filter(study=study, contractor=contractor).values("arm_id")
    dealt = enrolled_arm(study, contractor)
    return released.filter(Q(arm_id__in=own_arms) | Q(arm_id=dealt)) if dealt else released.filter(arm_id__in=own_arms)


def has_next(contractor: User) -> bool:
    """Whether "next task" would hand this contractor anything now (without taking it)."""
    running = Assignment.objects.filter(study__status=StudyStatus.RUNNING, contractor=contractor)
    if running.filter(status=AssignmentStatus.ACTIVE).exists():
        return True
    for study in _studies_of(contractor, None):
        candidate = _candidate(study, contractor, lock=False)
        if candidate is not None and not gate(study, contractor, candidate, dry=True).stop:
            return True
    return False


def check_skip(reason: str) -> dict[str, str]:
    return {} if reason in SkipReason.values else {"reason": f"Choose one of {', '.join(SkipReason.values)}."}


def do_skip(assignment: Assignment, reason: str, note: str) -> Skip:
    """Hand a started task back unreviewed, with a reason: the draft goes, the task returns to the pool
    for someone else (never this contractor again), and the skip is recorded for the results."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status != AssignmentStatus.ACTIVE or locked.contractor_id is None:
            raise SkipRefused("Only a task in progress can be skipped.")
        if locked.study.status != StudyStatus.RUNNING:
            raise SkipRefused("The study is closed.")
        skip = Skip.objects.create(
            study_id=locked.study_id,
            item_id=locked.item_id,
            arm_id=locked.arm_id,
            contractor_id=locked.contractor_id,
            assignment=locked,
            reason=reason,
            note=note,
            active_seconds=locked.active_seconds,
        )
        _drop_drafts([locked.pk])
        _back_to_pool(locked)
        if locked.purpose == Purpose.QUALIFICATION:  # a skipped qualifying item catches nothing
            settle_qualification(locked.study, skip.contractor_id)
    return skip


class SkipRefused(Exception):
    pass


def _drop_drafts(assignment_ids: list[int]) -> None:
    """Whatever the task kind, an unfinished draft goes with its contractor."""
    Review.objects.filter(assignment_id__in=assignment_ids).delete()
    Comparison.objects.filter(assignment_id__in=assignment_ids).delete()
    Tamper.objects.filter(assignment_id__in=assignment_ids).delete()


def _back_to_pool(assignment: Assignment) -> None:
    if assignment.purpose != Purpose.TASK:  # a check belongs to its contractor's queue, never to the pool
        assignment.delete()
        return
    assignment.contractor = None
    assignment.status = AssignmentStatus.PENDING
    assignment.started_at = None
    assignment.active_seconds = 0
    assignment.releases += 1
    assignment.save(update_fields=("contractor", "status", "started_at", "active_seconds", "releases"))


GRACE_FLOOR_S, GRACE_SHARE = 30.0, 0.1


def time_limit_grace_s(limit_s: int) -> float:
    """How far past the limit a task may run before it is taken back: the page's last flush of active
    time and a submit already on its way must not lose the work."""
    return max(GRACE_FLOOR_S, GRACE_SHARE * limit_s)


def do_expire_overdue() -> int:
    """Tasks of running studies whose active time ran past the study's time limit (and its grace) go
    back to the pool, drafts dropped: the limit is enforced, not only counted down."""
    with transaction.atomic():
        limit = Cast(F("study__time_limit_s"), FloatField())
        overdue = (
            Assignment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=AssignmentStatus.ACTIVE, study__status=StudyStatus.RUNNING)
            .exclude(study__time_limit_s=None)
            .alias(deadline=limit + Greatest(Value(GRACE_FLOOR_S), limit * Value(GRACE_SHARE)))
            .filter(active_seconds__gt=F("deadline"))
        )  # only the overdue rows are locked: autosaves of the others go on
        ids = list(overdue.values_list("pk", flat=True))
        _drop_drafts(ids)
        for assignment in Assignment.objects.filter(pk__in=ids):
            _back_to_pool(assignment)
    return len(ids)


def do_release_all_abandoned() -> int:
    """Every running study's abandoned tasks back to the pool (the periodic job)."""
    studies = Study.objects.filter(status=StudyStatus.RUNNING, assignments__status=AssignmentStatus.ACTIVE).distinct()
    return sum(do_release_abandoned(study) for study in studies)


def do_release_abandoned(study: Study) -> int:
    """Tasks started longer than the study's abandon_after_s ago go back to the pool."""
    cutoff = timezone.now() - timedelta(seconds=study.abandon_after_s)
    with transaction.atomic():
        stale = Assignment.objects.select_for_update(skip_locked=True).filter(
            study=study, status=AssignmentStatus.ACTIVE, started_at__lt=cutoff
        )
        ids = list(stale.values_list("pk", flat=True))
        # The abandoned draft goes with the contractor: the next one starts clean and never sees it.
        _drop_drafts(ids)
        for assignment in Assignment.objects.filter(pk__in=ids):
            _back_to_pool(assignment)
    return len(ids)
