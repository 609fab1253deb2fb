"""Excluding a contractor's reviews from a study's analysis, and restoring them: check_ then do_."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from annotation.quality.models import Exclusion
from annotation.studies.models import Enrollment, Study
from annotation.users import User

MAX_REASON = 2000


def excluded_contractors(study: Study) -> set[int]:
    return set(Exclusion.objects.filter(study=study, restored_at=None).values_list("contractor_id", flat=True))


def exclusion_state(study: Study) -> list[tuple[int, bool]]:
    """What the stored analysis depends on: every exclusion and whether it still holds."""
    return [
        (pk, restored is None)
        for pk, restored in Exclusion.objects.filter(study=study).values_list("pk", "restored_at")
    ]


def check_exclude(study: Study, contractor_id: int, reason: str) -> dict[str, str]:
    problems = {}
    if not Enrollment.objects.filter(study=study, contractor_id=contractor_id).exists():
        problems["contractor"] = "This contractor is not enrolled in the study."
    elif contractor_id in excluded_contractors(study):
        problems["contractor"] = "This contractor's reviews are already excluded."
    if not reason.strip():
        problems["reason"] = "Say why: the reason is kept with the study and shown on its results."
    elif len(reason) > MAX_REASON:
        problems["reason"] = f"At most {MAX_REASON} characters."
    return problems


def do_exclude(study: Study, contractor_id: int, reason: str, by: User) -> Exclusion | None:
    """Exclude (callers run check_exclude first); None when a concurrent request got there first."""
    try:
        with transaction.atomic():
            return Exclusion.objects.create(
                study=study, contractor_id=contractor_id, reason=reason.strip(), excluded_by=by
            )
    except IntegrityError:
        return None


def do_restore(study: Study, contractor_id: int, by: User) -> bool:
    """Put the contractor's reviews back into the analysis; False when they were not excluded."""
    updated = Exclusion.objects.filter(study=study, contractor_id=contractor_id, restored_at=None).update(
        restored_at=timezone.now(), restored_by=by
    )
    return updated > 0
