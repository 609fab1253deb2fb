"""The researcher's review of submitted tampers: an accepted tamper's item becomes usable in studies."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotation.datasets.models import Item
from annotation.studies.models import Study
from annotation.tampering.models import Tamper, TamperReview, TamperSetup, TamperStatus
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


def tamper_summary(study: Study) -> dict[str, object]:
    """What a tampering study produced: tampers by review state, how many the tests or the critic miss."""
    tampers = list(tampers_of(study))
    checks = [t.critic_check for t in tampers if (t.critic_check or {}).get("state") == "done"]
    return {
        "study": study.pk,
        "task_kind": study.task_kind,
        "dataset": TamperSetup.objects.filter(study=study).values_list("dataset_id", flat=True).first(),
        "tampers": len(tampers),
        "by_review": {state: sum(t.review == state for t in tampers) for state in TamperReview.values},
        "tests_do_not_catch": sum((t.tests or {}).get("state") == "passed" for t in tampers),
        "critic_checked": len(checks),
        "critic_missed_at_least_once": sum(not c.get("caught_every_time") for c in checks),
        "items": [t.item_id for t in tampers if t.item_id is not None],
    }
