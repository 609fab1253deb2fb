"""Study plans are balanced and reproducible; next-task hands out work without races."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.labeling.queue import claim_next, do_release_abandoned
from annotation.studies.assignment import PlanError, plan
from annotation.studies.lifecycle import StudyRefused, check_launch, do_launch
from annotation.studies.models import Arm, Assignment, Enrollment, Study, StudyItem
from annotation.users import Role, User
from tests.factories import CriticConfigFactory, CritiqueFactory, DatasetFactory, ItemFactory, UserFactory

CONFIGS = [(30, 6, 2, 1), (31, 7, 3, 2), (50, 12, 2, 3), (17, 5, 2, 2), (200, 50, 3, 2)]


@pytest.mark.parametrize(("items", "contractors", "arms", "reviews"), CONFIGS)
@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_within_subject_plans_are_exactly_balanced(
    items: int, contractors: int, arms: int, reviews: int, seed: int
) -> None:
    arm_ids = list(range(1, arms + 1))
    slots = plan(
        list(range(items)), list(range(100, 100 + contractors)), arm_ids, design="within", reviews=reviews, seed=seed
    )
    assert Counter((s.item, s.arm) for s in slots) == {(i, a): reviews for i in range(items) for a in arm_ids}
    assert len({(s.item, s.contractor) for s in slots}) == len(slots)  # never the same item twice
    load = Counter(s.contractor for s in slots)
    assert max(load.values()) - min(load.values()) <= 1
    for contractor in load:
        per_arm = Counter(s.arm for s in slots if s.contractor == contractor)
        assert max(per_arm[a] for a in arm_ids) - min(per_arm[a] for a in arm_ids) <= 1
        orders = sorted(s.order for s in slots if s.contractor == contractor)
        assert orders == list(range(len(orders)))


@pytest.mark.parametrize(("items", "contractors", "arms", "reviews"), CONFIGS)
def test_between_subject_plans_keep_each_contractor_in_one_arm(
    items: int, contractors: int, arms: int, reviews: int
) -> None:
    arm_ids = list(range(1, arms + 1))
    slots = plan(
        list(range(items)), list(range(100, 100 + contractors)), arm_ids, design="between", reviews=reviews, seed=3
    )
    assert Counter((s.item, s.arm) for s in slots) == {(i, a): reviews for i in range(items) for a in arm_ids}
    assert all(len({s.arm for s in slots if s.contractor == c}) == 1 for c in {s.contractor for s in slots})
    groups = Counter(next(s.arm for s in slots if s.contractor == c) for c in {s.contractor for s in slots})
    assert max(groups.values()) - min(groups.values()) <= 1


def test_plans_are_reproducible_from_the_seed() -> None:
    args = (list(range(20)), list(range(100, 108)), [1, 2])
    assert plan(*args, design="within", reviews=2, seed=5) == plan(*args, design="within", reviews=2, seed=5)
    assert plan(*args, design="within", reviews=2, seed=5) != plan(*args, design="within", reviews=2, seed=6)


def test_impossible_plans_say_why() -> None:
    with pytest.raises(PlanError, match="need 6 contractors per item; only 4 are enrolled"):
        plan([1, 2], [10, 11, 12, 13], [1, 2, 3], design="within", reviews=2, seed=0)
    with pytest.raises(PlanError, match="at least 2 contractors per arm"):
        plan([1, 2], [10, 11, 12], [1, 2], design="between", reviews=2, seed=0)


def make_study(
    owner: User, *, items: int, contractors: int, design: str = "within", reviews: int = 1, assisted: bool = True
) -> Study:
    study = Study.objects.create(name="s", owner=owner, design=design, reviews_per_item=reviews, seed=11)
    dataset = DatasetFactory.create()
    for n in range(items):
        StudyItem.objects.create(
            study=study, item=ItemFactory.create(dataset=dataset, response=f"r{n}", content_hash=f"{n:064d}")
        )
    Arm.objects.create(study=study, name="unassisted", kind="unassisted", position=0)
    if assisted:
        Arm.objects.create(
            study=study, name="assisted", kind="assisted", critic=CriticConfigFactory.create(), position=1
        )
    for n in range(contractors):
        Enrollment.objects.create(study=study, contractor=UserFactory.create(username=f"c{n}", role=Role.CONTRACTOR))
    return study


@pytest.mark.django_db
def test_launch_is_refused_until_every_assisted_item_has_its_critique(researcher: User) -> None:
    study = make_study(researcher, items=5, contractors=4)
    problems = check_launch(study)
    assert problems == [
        f"Arm assisted: 5 items have no chosen critique from {study.arms.get(kind='assisted').critic}; "
        "generate them before launching."
    ]
    with pytest.raises(StudyRefused):
        do_launch(study)
    assert not Assignment.objects.exists()
    critic = study.arms.get(kind="assisted").critic
    for study_item in StudyItem.objects.filter(study=study):
        CritiqueFactory.create(item=study_item.item, critic=critic, chosen=True)
    assert check_launch(study) == []
    assert do_launch(study) == 5 * 2
    study.refresh_from_db()
    assert study.status == "running"
    counts = Counter(Assignment.objects.values_list("item_id", "arm__kind"))
    assert set(counts.values()) == {1} and len(counts) == 10


@pytest.mark.django_db
def test_next_task_returns_the_unfinished_one_first_and_follows_the_order(researcher: User) -> None:
    study = make_study(researcher, items=6, contractors=2, assisted=False)
    do_launch(study)
    contractor = User.objects.get(username="c0")
    first = claim_next(contractor)
    assert first is not None and first.status == "active" and first.order == 0
    assert claim_next(contractor) == first  # unfinished comes back first
    first.status = "submitted"
    first.save(update_fields=("status",))
    second = claim_next(contractor)
    assert second is not None and second.order == 1


@pytest.mark.django_db
def test_abandoned_tasks_are_released_to_someone_who_has_not_seen_the_item(researcher: User) -> None:
    study = make_study(researcher, items=4, contractors=3, assisted=False)
    study.abandon_after_s = 60
    study.save(update_fields=("abandon_after_s",))
    do_launch(study)
    quitter, other = User.objects.get(username="c0"), User.objects.get(username="c1")
    task = claim_next(quitter)
    assert task is not None
    Assignment.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    assert do_release_abandoned(study) == 1
    task.refresh_from_db()
    assert (task.contractor_id, task.status, task.releases) == (None, "pending", 1)
    while (mine := claim_next(other)) is not None and mine.pk != task.pk:
        Assignment.objects.filter(pk=mine.pk).update(status="submitted")
    assert mine is not None and mine.pk == task.pk and mine.contractor == other


@pytest.mark.django_db(transaction=True)
def test_fifty_contractors_asking_at_once_never_get_the_same_task(researcher: User) -> None:
    study = make_study(researcher, items=60, contractors=50, assisted=False)
    do_launch(study)
    # Release everything into one shared pool, so all 50 compete for the same rows.
    Assignment.objects.filter(study=study).update(contractor=None)
    contractors = list(User.objects.filter(username__startswith="c"))
    barrier = threading.Barrier(len(contractors))
    claimed: list[int] = []
    errors: list[BaseException] = []

    def ask(contractor: User) -> None:
        try:
            barrier.wait()
            task = claim_next(contractor, study)
            if task is not None:
                claimed.append(task.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(c,)) for c in contractors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(claimed) == 50
    assert len(set(claimed)) == 50
    assert Assignment.objects.filter(study=study, status="active").count() == 50
