"""The researcher's review of submitted tampers: an accepted tamper's item becomes usable in studies."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotation.datasets.models import Item
from annotation.studies.models import Study
from annotation.tampering.models import Tamper, TamperReview, TamperStatus
from annotation.users import User


def tampers_of(study: Study) -> QuerySet[Tamper]:
    return (
        Tamper.objects.filter(assignment__study=study, status=TamperStatus.SUBMITTED)
        .select_related("assignment__item", "assignment__contractor", "item", "reviewed_by")
        .prefetch_related("flaws")
        .order_by("review", "-submitted_at", "-pk")
    )


def do_review_tamper(tamper: Tamper, verdict: str, note: str, user: User) -> None:
    if verdict not in (TamperReview.ACCEPTED, TamperReview.REJECTED):
        raise ValueError("Choose accept or reject.")
    with transaction.atomic():
        locked = Tamper.objects.select_for_update().get(pk=tamper.pk)
        locked.review, locked.review_note, locked.reviewed_by, locked.reviewed_at = verdict, note, user, timezone.now()
        locked.save(update_fields=("review", "review_note", "reviewed_by", "reviewed_at"))
        if locked.item_id is not None:
            item = Item.objects.select_for_update().get(pk=locked.item_id)
            item.metadata = {**item.metadata, "tamper": {**item.metadata.get("tamper", {}), "review": verdict}}
            item.save(update_fields=("metadata",))
