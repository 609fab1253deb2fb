"""Checks on contractors inside the real queue: gold and attention checks mixed in and scored,
qualification before the real tasks, thresholds that warn and pause, the minimum-time flag, and
check tasks kept out of every result."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.labeling.queue import claim_next, do_skip, has_next
from annotation.quality.checks import check_accuracy
from annotation.quality.models import QualityPlan, Standing
from annotation.quality.report import study_quality
from annotation.quality.setup import (
    CheckRefused,
    attention_text,
    do_add_check_items,
    do_generate_attention_checks,
    do_resume,
)
from annotation.results.analysis.frame import study_frames
from annotation.studies.dashboard import arm_progress, checks_answered
from annotation.studies.models import Assignment, CheckItem, Purpose
from annotation.users import User
from tests.conftest import client_for
from tests.crowd import add_checks, submit, work
from tests.factories import DatasetFactory, ItemFactory, PlantedFlawFactory, UserFactory
from tests.studies import World, give, make_world

pytestmark = pytest.mark.django_db


def _roster_world(researcher: User, contractors: list[User], items: int = 8) -> World:
    """Every contractor holds every item in the unassisted arm, in order."""
    world = make_world(researcher, contractors, items=items)
    for contractor in contractors:
        for order, item in enumerate(world.items):
            task = give(world, contractor, world.unassisted, item, order=order)
            Assignment.objects.filter(pk=task.pk).update(status="pending", started_at=None)
    return world


def test_gold_checks_are_mixed_in_scored_and_kept_out_of_the_results(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor])
    gold = add_checks(world, "gold", 6)
    QualityPlan.objects.create(study=world.study, gold_rate=0.5)
    done = work(contractor, world.study, catch=lambda task: task.purpose == Purpose.TASK or task.item_id == gold[0])
    purposes = [task.purpose for task in done]
    assert purposes.count(Purpose.TASK) == 8
    checks = [task for task in done if task.purpose == Purpose.GOLD]
    assert 1 <= len(checks) <= 6 and purposes[-1] == Purpose.TASK  # no check once the real work has run out
    assert {task.item_id for task in checks} <= set(gold)
    assert all(task.arm_id == world.unassisted.pk for task in checks)  # the arm of the task it stood in for
    scores = {task.item_id: task.check_score for task in checks}
    assert all(score == (1.0 if item == gold[0] else 0.0) for item, score in scores.items())
    accuracy = check_accuracy(world.study)[contractor.pk]
    assert (accuracy.passed, accuracy.answered) == (int(gold[0] in scores), len(checks))
    frame, _ = study_frames(world.study)
    assert len(frame) == 8 and set(frame["item"]) == {item.pk for item in world.items}
    assert sum(arm.total for arm in arm_progress(world.study)) == 8
    assert checks_answered(world.study) == {"Gold check": len(checks)}
    row = next(r for r in study_quality(world.study).rows if r.contractor_id == contractor.pk)
    assert (row.reviews, row.checks.answered) == (8, len(checks))


def test_a_check_looks_like_any_task_to_the_contractor(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=6)
    add_checks(world, "gold", 1)
    QualityPlan.objects.create(study=world.study, gold_rate=0.5, min_active_s=30)
    Standing.objects.create(study=world.study, contractor=contractor)
    task = claim_next(contractor, world.study)
    while task is not None and task.purpose == Purpose.TASK:
        submit(task, catch=True)
        task = claim_next(contractor, world.study)
    assert task is not None and task.purpose == Purpose.GOLD
    page = client_for(contractor).get(reverse("task", args=[task.pk])).content.decode().lower()
    assert re.findall(r"\b(gold|checks?|qualifying|qualification|known flaw|purpose)\b", page) == []


def test_qualification_comes_first_and_decides_who_goes_on(researcher: User) -> None:
    good, poor = (UserFactory.create(role="contractor") for _ in range(2))
    world = _roster_world(researcher, [good, poor], items=3)
    qualifying = add_checks(world, "qualification", 2)
    QualityPlan.objects.create(study=world.study, gold_rate=0.0, qualification_pass=0.5)
    done = work(good, world.study)
    assert [task.purpose for task in done] == [Purpose.QUALIFICATION] * 2 + [Purpose.TASK] * 3
    assert [task.item_id for task in done[:2]] == qualifying
    missed = work(poor, world.study, catch=False)
    assert [task.purpose for task in missed] == [Purpose.QUALIFICATION] * 2
    standings = {s.contractor_id: s for s in Standing.objects.filter(study=world.study)}
    assert (standings[good.pk].qualified, standings[good.pk].qualification_score) == (True, 1.0)
    assert (standings[poor.pk].qualified, standings[poor.pk].qualification_score) == (False, 0.0)
    assert claim_next(poor, world.study) is None and not has_next(poor)
    assert not Assignment.objects.filter(study=world.study, contractor=poor, purpose=Purpose.TASK, status="submitted")


def test_low_check_accuracy_warns_then_pauses_and_a_researcher_can_resume(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=12)
    add_checks(world, "gold", 8)
    QualityPlan.objects.create(study=world.study, gold_rate=0.5, min_checks=2, warn_below=0.8, pause_below=0.5)
    done = work(contractor, world.study, catch=lambda task: task.purpose == Purpose.TASK)
    assert [task.purpose for task in done].count(Purpose.GOLD) == 2  # paused right after the second miss
    standing = Standing.objects.get(study=world.study, contractor=contractor)
    assert standing.paused_at is not None and standing.warned_at is not None
    assert "0/2" in standing.pause_reason and "50%" in standing.pause_reason
    assert claim_next(contractor, world.study) is None and not has_next(contractor)
    page = client_for(researcher).get(reverse("study-quality", args=[world.study.pk])).content.decode()
    assert "paused" in page and reverse("study-quality-resume", args=[world.study.pk, contractor.pk]) in page
    assert do_resume(world.study, contractor.pk, researcher)
    rest = work(contractor, world.study, catch=lambda task: task.purpose == Purpose.TASK)
    assert [task.purpose for task in done + rest].count(Purpose.TASK) == 12  # not paused again after a resume
    assert Standing.objects.get(study=world.study, contractor=contractor).paused_at is None


def test_reviews_under_the_minimum_time_are_flagged_one_by_one(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=2)
    QualityPlan.objects.create(study=world.study, gold_rate=0.0, min_active_s=30)
    Assignment.objects.filter(study=world.study, item=world.items[0]).update(active_seconds=5)
    Assignment.objects.filter(study=world.study, item=world.items[1]).update(active_seconds=31)
    work(contractor, world.study)
    flags = dict(Assignment.objects.filter(study=world.study).values_list("item_id", "too_fast"))
    assert flags == {world.items[0].pk: True, world.items[1].pk: False}
    assert next(r for r in study_quality(world.study).rows if r.contractor_id == contractor.pk).too_fast == 1


def test_a_skipped_check_leaves_the_queue_instead_of_joining_the_pool(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=1)
    add_checks(world, "qualification", 1)
    QualityPlan.objects.create(study=world.study)
    task = claim_next(contractor, world.study)
    assert task is not None and task.purpose == Purpose.QUALIFICATION
    do_skip(task, "unclear", "")
    assert not Assignment.objects.filter(pk=task.pk).exists()
    assert not Assignment.objects.filter(study=world.study, contractor=None).exclude(purpose="task").exists()


def test_attention_checks_are_written_into_copies_of_the_items(researcher: User) -> None:
    world = make_world(researcher, [], items=2)
    world.study.status = "draft"
    world.study.save(update_fields=("status",))
    code = ItemFactory.create(
        kind="code", language="python", response="def f(x):\n    y = x + 1\n    return y\n", content_hash="c" * 64
    )
    text, start, end, line = attention_text(code)
    compile(text, "check.py", "exec")  # a comment: the code still runs as before
    assert line == 2
    assert (
        text.splitlines()[line - 1].strip()
        == text[start:end].strip()
        == "# Attention check: report this line as a flaw."
    )
    prose = ItemFactory.create(response="One. Two. Three.", content_hash="p" * 64)
    text, start, end, no_line = attention_text(prose)
    assert text[start:end].startswith("Attention check") and no_line is None
    assert text.replace(text[start:end] + " ", "") == "One. Two. Three."
    assert do_generate_attention_checks(world.study, 2, researcher) == 2
    assert do_generate_attention_checks(world.study, 2, researcher) == 0  # written once per item
    checks = CheckItem.objects.filter(study=world.study, role="attention").select_related("item")
    for check in checks:
        flaw = check.item.planted_flaws.get()
        assert check.item.response[flaw.start : flaw.end].startswith("Attention check")


def test_check_items_come_from_known_flaws_outside_the_study(researcher: User) -> None:
    world = make_world(researcher, [], items=2)
    library = DatasetFactory.create()
    for n in range(3):
        PlantedFlawFactory.create(item=ItemFactory.create(dataset=library, content_hash=f"{n:064d}"))
    ItemFactory.create(dataset=library, content_hash="z" * 64)  # no known flaw: never a check
    with pytest.raises(CheckRefused, match="before launch"):
        do_add_check_items(world.study, library, "gold", 5)  # running, with an assisted arm
    world.study.status = "draft"
    world.study.save(update_fields=("status",))
    assert do_add_check_items(world.study, library, "gold", 5) == 3
    with pytest.raises(CheckRefused, match="no item with known flaws"):
        do_add_check_items(world.study, library, "qualification", 1)
    with pytest.raises(CheckRefused, match="no item with known flaws"):
        do_add_check_items(world.study, world.items[0].dataset, "gold", 1)  # the study's own items
    world.study.task_kind, world.study.launched_at = "compare", timezone.now()
    world.study.save(update_fields=("task_kind", "launched_at"))
    with pytest.raises(CheckRefused, match="review studies"):
        do_add_check_items(world.study, library, "gold", 1)


def test_a_skipped_qualifying_item_counts_as_missed_and_settles(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=2)
    add_checks(world, "qualification", 1)
    QualityPlan.objects.create(study=world.study, qualification_pass=0.5)
    first = claim_next(contractor, world.study)
    assert first is not None and first.purpose == Purpose.QUALIFICATION
    do_skip(first, "cannot_judge", "")
    standing = Standing.objects.get(study=world.study, contractor=contractor)
    assert (standing.qualified, standing.qualification_score) == (False, 0.0)
    assert claim_next(contractor, world.study) is None  # and no second offer of the skipped item
    assert not Assignment.objects.filter(study=world.study, contractor=contractor, status="pending").exists()
    assert Assignment.objects.filter(study=world.study, contractor=None, purpose="task").count() == 2  # released


def test_a_skipped_gold_item_is_not_offered_again(researcher: User, contractor: User) -> None:
    world = _roster_world(researcher, [contractor], items=10)
    gold = add_checks(world, "gold", 3)
    QualityPlan.objects.create(study=world.study, gold_rate=0.5)
    offered = []
    for _ in range(30):
        task = claim_next(contractor, world.study)
        if task is None:
            break
        if task.purpose == Purpose.GOLD:
            offered.append(task.item_id)
            do_skip(task, "unclear", "")
        else:
            submit(task, catch=True)
    assert offered and len(offered) == len(set(offered)) and set(offered) <= set(gold)


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_hand_one_task_and_no_error(researcher: User, contractor: User) -> None:
    import threading

    from django.db import connection

    world = _roster_world(researcher, [contractor], items=3)
    add_checks(world, "qualification", 1)
    QualityPlan.objects.create(study=world.study)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        try:
            results.append(claim_next(contractor, world.study))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, Assignment) for r in results), results
    assert len({r.pk for r in results if isinstance(r, Assignment)}) == 1
    assert Assignment.objects.filter(study=world.study, contractor=contractor, status="active").count() == 1


def test_a_resumed_contractor_whose_tasks_went_back_finds_them_in_their_arm(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    world = make_world(researcher, [contractor, other_contractor], items=4)
    for person, arm in ((contractor, world.unassisted), (other_contractor, world.assisted)):
        for order, item in enumerate(world.items):
            task = give(world, person, arm, item, order=order)
            Assignment.objects.filter(pk=task.pk).update(status="pending", started_at=None)
    gold = add_checks(world, "gold", 1)
    QualityPlan.objects.create(study=world.study, gold_rate=0.0, min_checks=1, pause_below=0.5)
    check = Assignment.objects.create(
        study=world.study, item_id=gold[0], arm=world.unassisted, contractor=contractor, purpose="gold",
        status="active", started_at=timezone.now(),
    )  # fmt: skip
    submit(check, catch=False)  # paused before starting any task: all four go back to the pool
    assert Assignment.objects.filter(study=world.study, contractor=None).count() == 4
    assert claim_next(contractor, world.study) is None
    do_resume(world.study, contractor.pk, researcher)
    done = work(contractor, world.study)
    assert len(done) == 4 and {task.arm_id for task in done} == {world.unassisted.pk}


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.25, 0.5])
def test_checks_come_once_in_every_block_at_places_nobody_can_tell(rate: float) -> None:
    from annotation.quality.checks import check_due

    block = round(1 / rate)
    places = []
    for contractor in range(1, 21):
        due = [check_due(7, contractor, rate, position) for position in range(block * 10)]
        assert all(sum(due[k * block : (k + 1) * block]) == 1 for k in range(10)), (contractor, due)
        places.append(due.index(True))
    assert len(set(places)) > 1 or block == 1  # not the same place for everyone
