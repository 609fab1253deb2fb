"""A running study with both arms, built directly, so tests decide who reviews what in which arm."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from annotation.datasets.models import Item
from annotation.labeling.models import FlawReport, Review
from annotation.studies.models import Arm, Assignment, Enrollment, Study, StudyItem
from annotation.users import User
from assist.models import CriticConfig, Critique
from tests.factories import (
    CriticConfigFactory,
    CritiqueCommentFactory,
    CritiqueFactory,
    DatasetFactory,
    ItemFactory,
    PlantedFlawFactory,
)

CRITIQUE_MARK = "AI-CRITIQUE-TEXT"
PLANTED_MARK = "PLANTED-FLAW-TEXT"
RESPONSE = "The cat sat on the mat. It was a sunny day."


@dataclass
class World:
    study: Study
    unassisted: Arm
    assisted: Arm
    critic: CriticConfig
    items: list[Item]
    critiques: list[Critique]


def make_world(owner: User, contractors: list[User], *, items: int = 2, comments: int = 2) -> World:
    dataset = DatasetFactory.create()
    critic = CriticConfigFactory.create()
    study = Study.objects.create(name=f"study of {owner}", owner=owner, status="running", launched_at=timezone.now())
    unassisted = Arm.objects.create(study=study, name="Unassisted", kind="unassisted", position=0)
    assisted = Arm.objects.create(study=study, name="Assisted", kind="assisted", critic=critic, position=1)
    made, critiques = [], []
    for n in range(items):
        item = ItemFactory.create(dataset=dataset, response=RESPONSE, content_hash=f"{n:064d}")
        PlantedFlawFactory.create(item=item, start=4, end=7, description=f"{PLANTED_MARK} {n}")
        critique = CritiqueFactory.create(item=item, critic=critic, chosen=True, text=f"{CRITIQUE_MARK} whole {n}")
        for position in range(comments):
            grounded = position % 2 == 0
            CritiqueCommentFactory.create(
                critique=critique,
                position=position,
                quote="cat sat" if grounded else "the dog barked",
                start=4 if grounded else None,
                end=11 if grounded else None,
                grounded=grounded,
                comment=f"{CRITIQUE_MARK} {n}.{position}",
                severity="major",
                category="accuracy",
            )
        StudyItem.objects.create(study=study, item=item)
        made.append(item)
        critiques.append(critique)
    for contractor in contractors:
        Enrollment.objects.create(study=study, contractor=contractor)
    return World(study, unassisted, assisted, critic, made, critiques)


def give(world: World, contractor: User, arm: Arm, item: Item, order: int = 0) -> Assignment:
    return Assignment.objects.create(
        study=world.study,
        item=item,
        arm=arm,
        contractor=contractor,
        order=order,
        status="active",
        started_at=timezone.now(),
    )


def submitted_review(world: World, contractor: User, arm_name: str, item: int, spans: list[tuple[int, int]]) -> Review:
    """A submitted review of world.items[item] in the arm, with one flaw report per span."""
    arm = world.assisted if arm_name == "assisted" else world.unassisted
    task = give(world, contractor, arm, world.items[item])
    review = Review.objects.create(assignment=task, rating=4, status="submitted", submitted_at=timezone.now())
    for start, end in spans:
        FlawReport.objects.create(
            review=review, start=start, end=end, description="d", severity="major", category="accuracy"
        )
    task.status = "submitted"
    task.active_seconds = 90
    task.save(update_fields=("status", "active_seconds"))
    return review
