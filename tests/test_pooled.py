"""Pooled studies and enrolment after launch: tasks wait in one pool, late joiners get work, arms stay
balanced, nobody reviews an item twice, and every task is done exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from annotation.labeling.queue import claim_next
from annotation.studies.assignment import pool_plan
from annotation.studies.enrolment import do_enrol
from annotation.studies.lifecycle import check_launch, do_launch
from annotation.studies.models import Assignment, Enrollment
from annotation.users import User
from tests.crowd import work
from tests.factories import UserFactory
from tests.studies import World, make_world

pytestmark = pytest.mark.django_db


def test_the_pool_holds_every_slot_once_round_by_round() -> None:
    slots = pool_plan([3, 1, 2], [10, 20], reviews=2, seed=7)
    assert Counter((s.item, s.arm) for s in slots) == {(i, a): 2 for i in (1, 2, 3) for a in (10, 20)}
    assert [s.order for s in slots] == list(range(12)) and {s.contractor for s in slots} == {None}
    first_round = {(s.item, s.arm) for s in slots[:6]}
    assert len(first_round) == 6  # every item in every arm once before any second review
    assert pool_plan([3, 1, 2], [10, 20], reviews=2, seed=7) == slots


def _pooled(researcher: User, design: str, items: int, reviews: int) -> World:
    world = make_world(researcher, [], items=items)
    world.study.status, world.study.pooled, world.study.design = "draft", True, design
    world.study.reviews_per_item = reviews
    world.study.save(update_fields=("status", "pooled", "design", "reviews_per_item"))
    return world


def test_a_pooled_between_study_launches_empty_and_deals_late_joiners_to_arms(researcher: User) -> None:
    world = _pooled(researcher, "between", items=3, reviews=2)
    assert check_launch(world.study) == []  # nobody enrolled yet: the crowd comes later
    assert do_launch(world.study) == 12
    crowd = [UserFactory.create(role="contractor") for _ in range(4)]
    for person in crowd:
        assert do_enrol(world.study, [person]) == 1
    arms = dict(Enrollment.objects.filter(study=world.study).values_list("contractor_id", "arm_id"))
    assert Counter(arms.values()) == {world.unassisted.pk: 2, world.assisted.pk: 2}
    for person in crowd:
        done = work(person, world.study)
        assert len(done) == 3 and {task.arm_id for task in done} == {arms[person.pk]}
        assert len({task.item_id for task in done}) == 3
    assert not Assignment.objects.filter(study=world.study).exclude(status="submitted").exists()
    latecomer = UserFactory.create(role="contractor")
    do_enrol(world.study, [latecomer])
    assert claim_next(latecomer, world.study) is None


def test_a_pooled_within_study_serves_whoever_comes(researcher: User) -> None:
    world = _pooled(researcher, "within", items=4, reviews=1)
    do_launch(world.study)
    first, second = (UserFactory.create(role="contractor") for _ in range(2))
    do_enrol(world.study, [first, second])
    one = work(first, world.study, limit=5)
    assert len(one) == 4 and len({task.item_id for task in one}) == 4  # one arm of each item at most
    two = work(second, world.study)
    assert len(two) == 4 and Counter(task.status for task in one + two) == {"submitted": 8}


def test_a_late_joiner_of_a_planned_study_takes_a_fair_share_of_unstarted_tasks(researcher: User) -> None:
    early = [UserFactory.create(role="contractor") for _ in range(2)]
    world = make_world(researcher, early, items=6)
    world.study.status, world.study.design = "draft", "between"
    world.study.save(update_fields=("status", "design"))
    assert do_launch(world.study) == 12  # each of the two holds 6 tasks in their own arm
    started = claim_next(early[0], world.study)
    assert started is not None
    late = UserFactory.create(role="contractor")
    do_enrol(world.study, [late])
    load = Counter(Assignment.objects.filter(study=world.study).values_list("contractor_id", flat=True))
    donor = next(p for p in early if load[p.pk] < 6)
    assert load[late.pk] == 3 and load[donor.pk] == 3
    arm = set(Assignment.objects.filter(study=world.study, contractor=donor).values_list("arm_id", flat=True))
    assert set(Assignment.objects.filter(study=world.study, contractor=late).values_list("arm_id", flat=True)) == arm
    assert Assignment.objects.get(pk=started.pk).contractor_id == early[0].pk  # a started task stays put
    for person in [*early, late]:
        work(person, world.study)
    assert Counter(Assignment.objects.filter(study=world.study).values_list("status", flat=True)) == {"submitted": 12}
