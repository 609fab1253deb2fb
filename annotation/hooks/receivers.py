"""Where events come from: submits of every task kind, a study's last task, exports, critique runs."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation.hooks.events import emit, listened_events
from annotation.hooks.models import Event
from annotation.studies.models import Assignment, AssignmentStatus, Purpose, Study, StudyStatus


def task_submitted(assignment: Assignment) -> None:
    """Call inside the submit's transaction; the events go out once it commits."""
    study = assignment.study
    emit(
        Event.TASK_SUBMITTED,
        study.owner_id,
        {
            "study": study.pk,
            "task": assignment.pk,
            "kind": study.task_kind,
            "purpose": assignment.purpose,
            "item": assignment.item_id,
            "contractor": assignment.contractor_id,
            "arm": assignment.arm_id,
        },
    )
    if assignment.purpose == Purpose.TASK and Event.STUDY_COMPLETED in listened_events():
        transaction.on_commit(lambda: _check_finished(study.pk), robust=True)


def _check_finished(study_id: int) -> None:
    """After commit, so two last submits at once cannot both miss it; the update lets only one tell."""
    tasks = Assignment.objects.filter(study_id=study_id, purpose=Purpose.TASK)
    if tasks.exclude(status=AssignmentStatus.SUBMITTED).exists():
        return
    now = timezone.now()
    if Study.objects.filter(pk=study_id, finished_at=None, status=StudyStatus.RUNNING).update(finished_at=now):
        study = Study.objects.get(pk=study_id)
        emit(
            Event.STUDY_COMPLETED,
            study.owner_id,
            {"study": study.pk, "name": study.name, "tasks": tasks.count(), "finished_at": now.isoformat()},
        )


def export_ready(job_id: int, owner_id: int | None, data: dict[str, Any]) -> None:
    emit(Event.EXPORT_READY, owner_id, {"export": job_id, **data})


def run_finished(sender: object, **info: Any) -> None:
    counts = {key: info[key] for key in ("status", "done", "failed", "total")}
    emit(Event.RUN_FINISHED, info.get("owner_id"), {"run": info["run_id"], **counts})
