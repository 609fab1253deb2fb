"""The analysis a page or the API shows: the stored one when nothing changed; otherwise computed
now for a small study, or by the worker (with progress) for a large one, while the last stored
analysis stays on show, marked as out of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotation.results.analysis.snapshot import compute, fingerprint, submitted_reviews
from annotation.results.celery_jobs import run_analysis
from annotation.results.models import AnalysisSnapshot, AnalysisStatus
from annotation.studies.models import Study

STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Current:
    snapshot: AnalysisSnapshot | None  # the latest stored analysis, fresh or not
    fresh: bool  # it was computed from the study as it is now
    computing: bool  # the worker is computing the up-to-date one


def current_analysis(study: Study) -> Current:
    wanted = fingerprint(study)
    snapshot = AnalysisSnapshot.objects.filter(study=study).first()
    if snapshot is not None and snapshot.fingerprint == wanted and snapshot.status == AnalysisStatus.DONE:
        return Current(snapshot, fresh=True, computing=False)
    if submitted_reviews(study) <= settings.REDLINE_ANALYSIS_INLINE_MAX_REVIEWS:
        return Current(compute(study, wanted), fresh=True, computing=False)
    _queue(study, wanted)
    snapshot = AnalysisSnapshot.objects.get(study=study)
    return Current(snapshot if snapshot.payload else None, fresh=False, computing=True)


def _queue(study: Study, wanted: str) -> None:
    """Ask the worker once per fingerprint; a job whose worker went quiet is asked again."""
    now = timezone.now()
    with transaction.atomic():
        snapshot, _ = AnalysisSnapshot.objects.get_or_create(study=study)
        taken = AnalysisSnapshot.objects.filter(pk=snapshot.pk).filter(
            ~Q(pending_fingerprint=wanted) | Q(heartbeat_at__lt=now - STALE_AFTER) | Q(status=AnalysisStatus.FAILED)
        )
        if taken.update(
            pending_fingerprint=wanted, status=AnalysisStatus.QUEUED, progress=0, stage="queued", heartbeat_at=now
        ):
            transaction.on_commit(lambda: run_analysis.delay(study.pk, wanted))
