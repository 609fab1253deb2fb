"""Comparison and tampering studies built through the real lifecycle (create, launch), for tests."""

from __future__ import annotations

from annotation.comparing.candidates import open_comparison
from annotation.comparing.models import Comparison
from annotation.datasets.models import Item
from annotation.labeling.queue import claim_next
from annotation.studies.lifecycle import StudySpec, do_create_study, do_launch
from annotation.studies.models import Assignment, Study
from annotation.studies.task_options import TaskOptions
from annotation.users import User
from assist.models import Backend, CriticConfig
from tests.factories import CriticConfigFactory, CritiqueFactory, DatasetFactory, ItemFactory, PlantedFlawFactory

SOURCE_MARK = "SECRET-CRITIC-NAME"
RESPONSE = "def add(a, b):\n    return a - b\n"


def make_critics(count: int) -> list[CriticConfig]:
    first = CriticConfig.objects.filter(name__startswith=SOURCE_MARK).count()
    return [
        CriticConfigFactory.create(name=f"{SOURCE_MARK}-{first + k}", backend=Backend.IMPORTED, sampling={})
        for k in range(count)
    ]


def make_items(count: int, critics: list[CriticConfig], *, kind: str = "code") -> list[Item]:
    dataset = DatasetFactory.create()
    items = []
    for n in range(count):
        item = ItemFactory.create(dataset=dataset, kind=kind, response=RESPONSE, content_hash=f"c{n:063d}")
        PlantedFlawFactory.create(item=item, start=26, end=31, line_start=2, line_end=2, description=f"subtracts {n}")
        for k, critic in enumerate(critics):
            CritiqueFactory.create(item=item, critic=critic, chosen=True, text=f"critique {k} of item {n}: line 2")
        items.append(item)
    return items


def compare_study(
    owner: User, contractors: list[User], *, critics: int = 3, items: int = 4, **options: object
) -> Study:
    made = make_critics(critics)
    listed = make_items(items, made)
    spec = StudySpec(
        name=f"compare {owner.pk}-{len(listed)}-{listed[0].pk}",
        item_ids=[item.pk for item in listed],
        contractors=contractors,
        task_kind="compare",
        design="between",
        reviews_per_item=int(str(options.pop("reviews", 1))),
        tasks=TaskOptions(compare_critic_ids=[c.pk for c in made], **options),  # type: ignore[arg-type]
    )
    study = do_create_study(spec, owner)
    do_launch(study)
    return study


def start(contractor: User, study: Study) -> tuple[Assignment, Comparison]:
    assignment = claim_next(contractor, study)
    assert assignment is not None
    return assignment, open_comparison(assignment)


SOLUTION = "def add(a, b):\n    return a + b\n"
TESTS = "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n"


def tamper_study(owner: User, contractors: list[User], *, critic_id: int | None = None, items: int = 1) -> Study:
    dataset = DatasetFactory.create()
    made = [
        ItemFactory.create(dataset=dataset, kind="code", response=SOLUTION, tests=TESTS, content_hash=f"t{n:063d}")
        for n in range(items)
    ]
    spec = StudySpec(
        name=f"tamper {owner.pk} {made[0].pk}",
        item_ids=[item.pk for item in made],
        contractors=contractors,
        task_kind="tamper",
        tasks=TaskOptions(tamper_dataset=f"tampered by {owner.pk} {made[0].pk}", tamper_critic_id=critic_id),
    )
    study = do_create_study(spec, owner)
    do_launch(study)
    return study
