"""Periodic upkeep: abandoned and overdue tasks back to the pool, stale runs requeued, old export zips
deleted — sent by a real Celery beat and done by a real worker."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from annotation.labeling.models import Review
from annotation.labeling.queue import do_expire_overdue, do_release_all_abandoned, time_limit_grace_s
from annotation.results.exporting.retention import do_expire_exports
from annotation.results.models import ExportJob, ExportStatus
from annotation.studies.models import Assignment
from annotation.users import User
from tests.factories import UserFactory
from tests.studies import World, give, make_world
from tests.workers import WorkerProcess

UPKEEP = (
    "release_abandoned_tasks",
    "expire_overdue_tasks",
    "expire_exports",
    "requeue_stale",
    "resend_overdue_deliveries",
)


def _limited_world(researcher: User, contractors: list[User]) -> World:
    world = make_world(researcher, contractors, items=3)
    world.study.time_limit_s, world.study.abandon_after_s = 60, 3600
    world.study.save(update_fields=("time_limit_s", "abandon_after_s"))
    return world


def _export(owner: User, world: World, age_days: float) -> tuple[ExportJob, Path]:
    name = f"exports/upkeep-{uuid.uuid4().hex}.zip"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    job = ExportJob.objects.create(
        requested_by=owner,
        study=world.study,
        format="jsonl",
        status=ExportStatus.DONE,
        file=name,
        finished_at=timezone.now() - timedelta(days=age_days),
    )
    return job, path


@pytest.mark.django_db
def test_only_tasks_past_the_limit_and_its_grace_are_taken_back(researcher: User, contractor: User) -> None:
    others = [UserFactory.create(role="contractor") for _ in range(2)]
    world = _limited_world(researcher, [contractor, *others])
    grace = time_limit_grace_s(60)
    assert grace == 30
    over = give(world, contractor, world.unassisted, world.items[0])
    within = give(world, others[0], world.unassisted, world.items[1])
    Review.objects.create(assignment=over, rating=3)
    Assignment.objects.filter(pk=over.pk).update(active_seconds=60 + grace + 1)
    Assignment.objects.filter(pk=within.pk).update(active_seconds=60 + grace - 1)
    assert do_expire_overdue() == 1
    over.refresh_from_db()
    within.refresh_from_db()
    assert (over.status, over.contractor_id, over.releases) == ("pending", None, 1)
    assert not Review.objects.filter(assignment=over).exists()  # the draft went with the task
    assert (within.status, within.contractor_id) == ("active", others[0].pk)
    assert do_expire_overdue() == 0
    world.study.time_limit_s = None
    world.study.save(update_fields=("time_limit_s",))
    Assignment.objects.filter(pk=within.pk).update(active_seconds=10_000)
    assert do_expire_overdue() == 0  # no limit, nothing to enforce


@pytest.mark.django_db
def test_exports_past_retention_lose_their_zip_and_say_so(researcher: User, contractor: User) -> None:
    world = make_world(researcher, [contractor])
    old, old_path = _export(researcher, world, settings.REDLINE_EXPORT_RETENTION_DAYS + 1)
    recent, recent_path = _export(researcher, world, settings.REDLINE_EXPORT_RETENTION_DAYS - 1)
    assert do_expire_exports() == 1
    old.refresh_from_db()
    assert old.status == ExportStatus.EXPIRED and not old_path.exists()
    assert recent_path.exists() and ExportJob.objects.get(pk=recent.pk).status == ExportStatus.DONE
    from django.test import Client

    client = Client()
    client.force_login(researcher)
    page = client.get(f"/exports/{old.pk}/").content.decode()
    assert "Expired" in page and "retention period" in page and "Download zip" not in page
    assert client.get(f"/exports/{old.pk}/download/").status_code == 404
    recent_path.unlink()


@pytest.mark.django_db(transaction=True)
def test_beat_sends_the_upkeep_and_a_real_worker_does_it(
    tmp_path: Path, researcher: User, contractor: User, other_contractor: User
) -> None:
    third = UserFactory.create(role="contractor")
    world = _limited_world(researcher, [contractor, other_contractor, third])
    abandoned = give(world, contractor, world.unassisted, world.items[0])
    Assignment.objects.filter(pk=abandoned.pk).update(started_at=timezone.now() - timedelta(hours=2))
    overdue = give(world, other_contractor, world.unassisted, world.items[1])
    Assignment.objects.filter(pk=overdue.pk).update(active_seconds=200)
    fresh = give(world, third, world.unassisted, world.items[2])
    Assignment.objects.filter(pk=fresh.pk).update(active_seconds=70)
    old, old_path = _export(researcher, world, settings.REDLINE_EXPORT_RETENTION_DAYS + 5)
    recent, recent_path = _export(researcher, world, 1)

    worker = WorkerProcess(tmp_path, beat=True, env={"REDLINE_UPKEEP_INTERVAL_S": "1", "REDLINE_EXPORT_SWEEP_S": "1"})
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            pending = Assignment.objects.filter(pk__in=(abandoned.pk, overdue.pk), contractor__isnull=True).count()
            expired = ExportJob.objects.filter(pk=old.pk, status=ExportStatus.EXPIRED).exists()
            if pending == 2 and expired and all(f"{task}[" in worker.output for task in UPKEEP):
                break
            time.sleep(0.5)
        output = worker.output
    finally:
        worker.stop()
    assert "beat: Starting" in output
    for task in UPKEEP:
        assert f"{task}[" in output, f"{task} never ran:\n{output[-3000:]}"
    for released in (abandoned, overdue):
        released.refresh_from_db()
        assert (released.status, released.contractor_id) == ("pending", None)
    fresh.refresh_from_db()
    assert (fresh.status, fresh.contractor_id) == ("active", third.pk)
    assert not old_path.exists() and recent_path.exists()
    assert ExportJob.objects.get(pk=recent.pk).status == ExportStatus.DONE
    assert do_release_all_abandoned() == 0
    recent_path.unlink()
