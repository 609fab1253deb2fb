"""Crowd studies for tests: check items with known flaws, and contractors who work through the queue
as the pages do (claim, report or not, rate, submit)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from annotation.labeling.queue import claim_next
from annotation.labeling.reviewing import FlawInput, do_add_flaw, do_save_draft, do_submit, open_review
from annotation.studies.models import Assignment, CheckItem, Study
from annotation.users import User
from tests.factories import CritiqueFactory, DatasetFactory, ItemFactory, PlantedFlawFactory
from tests.studies import RESPONSE, World

CAUGHT = FlawInput("The cat did not sit there.", "major", "accuracy", start=4, end=7)


def add_checks(world: World, role: str, count: int) -> list[int]:
    """`count` check items like the study's own (known flaw at 4-7, a chosen critique for the assisted arm)."""
    dataset = DatasetFactory.create()
    ids = []
    for n in range(count):
        item = ItemFactory.create(
            dataset=dataset,
            response=RESPONSE,
            content_hash=hashlib.sha256(f"{world.study.pk}:{role}:{n}".encode()).hexdigest(),
        )
        PlantedFlawFactory.create(item=item, start=4, end=7, description="known flaw")
        CritiqueFactory.create(item=item, critic=world.critic, chosen=True, text="critique of a check")
        CheckItem.objects.create(study=world.study, item=item, role=role)
        ids.append(item.pk)
    return ids


def work(
    contractor: User, study: Study, catch: Callable[[Assignment], bool] | bool = True, limit: int = 200
) -> list[Assignment]:
    """Take and submit tasks until the queue gives none; report the known flaw when `catch` says so."""
    done: list[Assignment] = []
    for _ in range(limit):
        task = claim_next(contractor, study)
        if task is None:
            return done
        done.append(submit(task, catch(task) if callable(catch) else catch))
    raise AssertionError("the queue never ran dry")


def submit(task: Assignment, catch: bool) -> Assignment:
    open_review(task)
    if catch:
        do_add_flaw(task, CAUGHT)
    do_save_draft(task, 4, "")
    do_submit(task)
    task.refresh_from_db()
    return task
