"""The options of a study's task kind: what a comparison compares, where tampers go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotation.comparing.models import ComparisonSetup
from annotation.datasets.models import Dataset, Item, PlantedFlaw
from annotation.studies.models import Study, TaskKind
from annotation.tampering.models import TamperSetup
from assist.interface import can_refine, critic_choices


@dataclass
class TaskOptions:
    compare_critic_ids: Sequence[int] = ()
    reports_from: Study | None = None
    include_gold: bool = False
    per_task: int = 4
    refine_critic_id: int | None = None
    tamper_dataset: str = ""
    tamper_critic_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def check_task_options(kind: str, options: TaskOptions) -> dict[str, str]:
    errors = dict(options.errors)
    if kind == TaskKind.COMPARE:
        sources = len(critic_choices(options.compare_critic_ids)) + bool(options.reports_from) + options.include_gold
        if sources < 2:
            errors["compare_critics"] = (
                "A comparison needs at least two sources: critics, a review study's flaw reports, or gold critiques."
            )
        if not 2 <= options.per_task <= 4:
            errors["per_task"] = "Show 2, 3 or 4 critiques per task."
    elif kind == TaskKind.PREFER:
        if options.refine_critic_id is None or not can_refine(options.refine_critic_id):
            errors["refine_critic"] = "Choose the model-server (vLLM) critic whose refinements are compared."
    elif kind == TaskKind.TAMPER:
        name = options.tamper_dataset.strip()
        if not name:
            errors["tamper_dataset"] = "Name the dataset the accepted tampers go to."
        elif Dataset.objects.filter(name=name).exists():
            errors["tamper_dataset"] = f"A dataset named {name!r} already exists: choose a new name."
    elif kind != TaskKind.REVIEW:
        errors["task_kind"] = f"Choose one of {', '.join(TaskKind.values)}."
    return errors


def do_create_task_setup(study: Study, options: TaskOptions) -> None:
    if study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
        setup = ComparisonSetup.objects.create(
            study=study,
            reports_from=options.reports_from,
            include_gold=options.include_gold,
            per_task=options.per_task if study.task_kind == TaskKind.COMPARE else 2,
            refine_critic_id=options.refine_critic_id if study.task_kind == TaskKind.PREFER else None,
        )
        setup.critics.set([pk for pk, _ in critic_choices(options.compare_critic_ids)])
    elif study.task_kind == TaskKind.TAMPER:
        dataset = Dataset.objects.create(
            name=options.tamper_dataset.strip(),
            description=f"Tampered items from study {study.name}: usable in studies once accepted.",
            source_format="tampering",
            created_by=study.owner,
        )
        TamperSetup.objects.create(study=study, dataset=dataset, critic_id=options.tamper_critic_id)


def check_task_launch(study: Study, item_ids: list[int]) -> list[str]:
    """What a task kind needs of its items: a tamper starts from a correct response."""
    if study.task_kind != TaskKind.TAMPER:
        return []
    flawed = PlantedFlaw.objects.filter(item_id__in=item_ids).values("item_id").distinct().count()
    untested = Item.objects.filter(pk__in=item_ids, kind="code", tests="").count()
    problems = []
    if flawed:
        problems.append(f"{flawed} items already have planted flaws: a tamper starts from a correct response.")
    if untested:
        problems.append(f"{untested} code items have no tests to run on the tampered version.")
    return problems
