"""The worker's side of a large study's analysis: compute it with progress, unless it is no longer wanted."""

from __future__ import annotations

import logging

from django.utils import timezone

from annotation.results.analysis.snapshot import compute, fingerprint
from annotation.results.models import AnalysisSnapshot, AnalysisStatus
from annotation.studies.models import Study

log = logging.getLogger(__name__)


def execute_analysis(study_id: int, wanted: str) -> str:
    claimed = AnalysisSnapshot.objects.filter(study_id=study_id, pending_fingerprint=wanted).update(
        status=AnalysisStatus.RUNNING, heartbeat_at=timezone.now(), stage="starting"
    )
    if not claimed:
        return "no longer wanted"
    study = Study.objects.get(pk=study_id)

    def progress(percent: int, stage: str) -> None:
        AnalysisSnapshot.objects.filter(study_id=study_id, pending_fingerprint=wanted).update(
            progress=percent, stage=stage, heartbeat_at=timezone.now()
        )

    try:
        now = fingerprint(study)
        compute(study, now, progress)
    except Exception as exc:
        log.exception("analysis of study %s failed", study_id)
        AnalysisSnapshot.objects.filter(study_id=study_id).update(
            status=AnalysisStatus.FAILED, error=f"{type(exc).__name__}: {exc}", stage=""
        )
        return "failed"
    return "done"
