"""Who works on a study: enrolment before launch, and after it.

A pooled study's tasks wait in one pool, so a late joiner simply asks for the next one; in a
between-subject pooled study each contractor is dealt to the arm with the fewest so far. In a
study planned at launch, a late joiner takes a fair share of the not-yet-started tasks of the
others (never an item they already hold, and in between-subject studies from one arm only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from annotation.crowd.models import Participant
from annotation.studies.errors import StudyRefused
from annotation.studies.models import Arm, Assignment, AssignmentStatus, Design, Enrollment, Purpose, Study, StudyStatus
from annotation.users import User


def do_enrol(study: Study, contractors: Iterable[User]) -> int:
    """Enrol contractors (others are ignored). Returns how many are new."""
    if study.status == StudyStatus.CLOSED:
        raise StudyRefused("The study is closed.")
    eligible = [user for user in contractors if user.is_contractor]
    crowd = set(  # a crowd participant's account is for the one study they joined
        Participant.objects.filter(user__in=eligible).exclude(study=study).values_list("user_id", flat=True)
    )
    eligible = [user for user in eligible if user.pk not in crowd]
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)  # arms dealt and shares taken one at a time
        # bulk_create with ignore_conflicts returns every object, new or not: count the new ones first.
        already = set(Enrollment.objects.filter(study=study).values_list("contractor_id", flat=True))
        new = {user.pk: user for user in eligible if user.pk not in already}
        Enrollment.objects.bulk_create(
            [Enrollment(study=study, contractor=user) for user in new.values()], ignore_conflicts=True
        )
        if study.pooled and study.design == Design.BETWEEN:
            _deal_arms(study, list(new))
        elif study.status == StudyStatus.RUNNING:
            for contractor_id in new:
                _share_pending(study, contractor_id)
        if study.status == StudyStatus.READY:
            study.status = StudyStatus.DRAFT
            study.save(update_fields=("status",))
    return len(new)


def _deal_arms(study: Study, contractor_ids: list[int]) -> None:
    arms = list(Arm.objects.filter(study=study).order_by("position", "id").values_list("pk", flat=True))
    if not arms:
        return
    counts = Counter(
        dict(Enrollment.objects.filter(study=study).exclude(arm=None).values_list("arm").annotate(n=Count("id")))
    )
    for contractor_id in sorted(contractor_ids):
        arm = min(arms, key=lambda pk: (counts[pk], arms.index(pk)))
        counts[arm] += 1
        Enrollment.objects.filter(study=study, contractor_id=contractor_id).update(arm_id=arm)


def _share_pending(study: Study, newcomer: int) -> int:
    """Move not-yet-started tasks from the contractors with the most work left to the newcomer until
    the work left is even (a started task stays with whoever started it)."""
    pending = Assignment.objects.filter(
        study=study, status=AssignmentStatus.PENDING, purpose=Purpose.TASK, contractor__isnull=False
    )
    started = Assignment.objects.filter(
        study=study, status=AssignmentStatus.ACTIVE, purpose=Purpose.TASK, contractor__isnull=False
    )
    if study.design == Design.BETWEEN:
        per_arm = dict(
            Assignment.objects.filter(study=study, purpose=Purpose.TASK)
            .exclude(contractor=None)
            .values_list("arm_id")
            .annotate(n=Count("contractor", distinct=True))
        )
        if not per_arm:
            return 0
        arm = min(sorted(per_arm), key=lambda pk: per_arm[pk])
        pending, started = pending.filter(arm_id=arm), started.filter(arm_id=arm)
    rows = list(
        pending.select_for_update(skip_locked=True)
        .order_by("order", "id")
        .values_list("pk", "item_id", "contractor_id")
    )
    load = Counter(contractor for _, _, contractor in rows)
    load.update(contractor for contractor in started.values_list("contractor_id", flat=True) if contractor in load)
    held = set(Assignment.objects.filter(study=study, contractor_id=newcomer).values_list("item_id", flat=True))
    by_donor: dict[int, list[tuple[int, int]]] = {}
    for pk, item, contractor in rows:
        by_donor.setdefault(contractor, []).append((pk, item))
    taken: list[int] = []
    while load:
        donor, most = max(sorted(load.items()), key=lambda pair: pair[1])
        if most - len(taken) <= 1:
            break
        movable = [(pk, item) for pk, item in by_donor[donor] if item not in held]
        if not movable:
            del load[donor]
            continue
        pk, item = movable[-1]  # the donor's last task: the one they would reach latest
        by_donor[donor].remove((pk, item))
        load[donor] -= 1
        held.add(item)
        taken.append(pk)
    Assignment.objects.filter(pk__in=taken).update(contractor_id=newcomer)
    return len(taken)


def enrolled_arm(study: Study, contractor: User) -> int | None:
    """The arm a pooled between-subject study dealt this contractor (None elsewhere)."""
    return (
        Enrollment.objects.filter(study=study, contractor=contractor).values_list("arm_id", flat=True).first()
        if study.pooled and study.design == Design.BETWEEN
        else None
    )
