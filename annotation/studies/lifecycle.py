"""A study's life: created from datasets, contractors enrolled, critiques generated, marked ready,
launched (balanced assignments), closed. Pages and API call these same actions.

check_* says what stands in the way; do_* changes state (under a row lock).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotation.comparing.candidates import check_candidates, do_create_candidates, setup_of
from annotation.datasets.models import Dataset, Item
from annotation.studies.assignment import PlanError, plan, pool_plan
from annotation.studies.enrolment import do_enrol as do_enrol
from annotation.studies.errors import StudyRefused as StudyRefused
from annotation.studies.models import (
    Arm,
    ArmKind,
    Assignment,
    CheckItem,
    Design,
    Enrollment,
    Study,
    StudyItem,
    StudyStatus,
    TaskKind,
)
from annotation.studies.task_options import TaskOptions, check_task_launch, check_task_options, do_create_task_setup
from annotation.users import User
from assist.interface import (
    RunRefused,
    critic_choices,
    failed_critique_reasons,
    generating_critic_ids,
    items_in_active_runs,
    items_missing_chosen_critique,
    refinement_gaps,
    request_refinements,
    start_run_for_items,
)


@dataclass(frozen=True)
class MissingCritiques:
    name: str  # the arm, or "Compared" / "Refined" for a comparison study's critic
    critic_id: int
    critic_name: str
    item_ids: list[int]
    failed: dict[int, str] = field(default_factory=dict)  # item -> why its latest critique failed
    running: set[int] = field(default_factory=set)  # items a run is still working on

    def __str__(self) -> str:
        where = self.name if self.name in ("Compared", "Refined") else f"Arm {self.name}"
        text = f"{where}: {len(self.item_ids)} items have no chosen critique from {self.critic_name}"
        if self.running:
            text += f" ({len(self.running)} being generated now)"
        if self.failed:
            text += f"; the critique of {len(self.failed)} failed: retry them, or drop those items from the study"
        else:
            text += "; generate them before launching"
        return text + "."


def study_item_ids(study: Study) -> list[int]:
    return list(StudyItem.objects.filter(study=study).order_by("item_id").values_list("item_id", flat=True))


def _critics_needed(study: Study) -> list[tuple[str, int, str]]:
    """(where, critic, name) of every critic whose chosen critiques the study shows."""
    if study.task_kind == TaskKind.REVIEW:
        arms = study.arms.filter(kind=ArmKind.ASSISTED).select_related("critic")
        return [(arm.name, arm.critic_id, str(arm.critic)) for arm in arms if arm.critic_id is not None]
    if study.task_kind == TaskKind.COMPARE:
        chosen = critic_choices(setup_of(study).critics.values_list("pk", flat=True))
        generating = set(generating_critic_ids(pk for pk, _ in chosen))
        return [("Compared", pk, name) for pk, name in chosen if pk in generating]
    if study.task_kind == TaskKind.PREFER and (critic := setup_of(study).refine_critic) is not None:
        return [("Refined", critic.pk, critic.name)]
    return []


def critiqued_item_ids(study: Study) -> list[int]:
    """Items whose critiques the study shows: its own and its check items (a check must look like any task)."""
    checks = CheckItem.objects.filter(study=study).values_list("item_id", flat=True)
    return sorted({*study_item_ids(study), *checks})


def check_missing_critiques(study: Study) -> list[MissingCritiques]:
    item_ids = critiqued_item_ids(study)
    missing = []
    for name, critic_id, critic_name in _critics_needed(study):
        lacking = items_missing_chosen_critique(critic_id, item_ids)
        if lacking:
            failed = failed_critique_reasons(critic_id, lacking)
            running = items_in_active_runs(critic_id, lacking)
            missing.append(MissingCritiques(name, critic_id, critic_name, lacking, failed, running))
    return missing


def do_generate_missing_critiques(study: Study, user: User) -> tuple[list[int], list[str]]:
    """Start the critique runs that fill what launch is waiting for, one per assisted arm, for the
    items no queued or running run is already working on (so a second click starts nothing).

    Returns the ids of the runs started and the reasons any arm's run was refused.
    """
    runs: list[int] = []
    refused: list[str] = []
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)  # two clicks at once queue one run
        for missing in check_missing_critiques(study):
            wanted = [item_id for item_id in missing.item_ids if item_id not in missing.running]
            if not wanted:
                continue
            try:
                runs.append(start_run_for_items(missing.critic_id, wanted, user))
            except RunRefused as exc:
                refused.append(str(exc))
        setup = setup_of(study) if study.task_kind == TaskKind.PREFER else None
        if setup is not None and setup.refine_critic_id is not None:
            unrefined, _ = refinement_gaps(setup.refine_critic_id, study_item_ids(study))
            try:
                if unrefined:
                    runs.extend(request_refinements(setup.refine_critic_id, unrefined, user))
            except RunRefused as exc:
                refused.append(str(exc))
    return runs, refused


def do_drop_failed_items(study: Study, user: User) -> list[dict[str, object]]:
    """Take out of a study being set up the items whose critique failed in an assisted arm.

    Each is recorded in study.dropped_items (item, arm, reason, who, when), which the study page
    and its export manifest show. Returns what was dropped.
    """
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        if study.status not in (StudyStatus.DRAFT, StudyStatus.READY):
            raise StudyRefused("Items can be dropped only before launch.")
        dropped: dict[int, dict[str, object]] = {}
        for missing in check_missing_critiques(study):
            for item_id, reason in missing.failed.items():
                if item_id not in missing.running:
                    dropped.setdefault(item_id, {"item": item_id, "arm": missing.name, "reason": reason})
        if not dropped:
            raise StudyRefused("No item of this study has a failed critique.")
        now = timezone.now().isoformat()
        records = [entry | {"by": user.get_username(), "at": now} for entry in dropped.values()]
        StudyItem.objects.filter(study=study, item_id__in=list(dropped)).delete()
        CheckItem.objects.filter(study=study, item_id__in=list(dropped)).delete()
        study.dropped_items = [*study.dropped_items, *records]
        study.status = StudyStatus.DRAFT
        study.save(update_fields=("dropped_items", "status"))
    return records


def unrefined_count(study: Study) -> int:
    """A response comparison's items that have their critique but no refinement yet."""
    critic = setup_of(study).refine_critic_id if study.task_kind == TaskKind.PREFER else None
    return len(refinement_gaps(critic, study_item_ids(study))[0]) if critic else 0


def check_launch(study: Study) -> list[str]:
    problems: list[str] = []
    if study.status not in (StudyStatus.DRAFT, StudyStatus.READY):
        problems.append(f"The study is {study.get_status_display().lower()}.")
    arms = list(study.arms.all())
    if not arms:
        problems.append("Add at least one arm.")
    item_ids = study_item_ids(study)
    contractors = list(Enrollment.objects.filter(study=study).values_list("contractor_id", flat=True))
    if study.pooled:
        if not item_ids:
            problems.append("Add items.")
    elif arms and item_ids and contractors:
        try:
            plan(
                item_ids,
                contractors,
                [arm.pk for arm in arms],
                design=study.design,
                reviews=study.reviews_per_item,
                seed=study.seed,
            )
        except PlanError as exc:
            problems.append(str(exc))
    else:
        if not item_ids:
            problems.append("Add items.")
        if not contractors:
            problems.append("Enrol contractors.")
    problems.extend(str(missing) for missing in check_missing_critiques(study))
    problems.extend(check_task_launch(study, item_ids))
    if item_ids and study.task_kind == TaskKind.PREFER and (critic := setup_of(study).refine_critic_id):
        unrefined, writing = refinement_gaps(critic, item_ids)
        if unrefined or writing:
            problems.append(
                f"{len(unrefined)} items have their critique but no refinement yet ({writing} being written): "
                "generate them before launching."
            )
    if item_ids and study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
        problems.extend(check_candidates(study))
    return problems


def do_launch(study: Study) -> int:
    """Plan and create every assignment, then run the study. Returns the number of assignments."""
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        problems = check_launch(study)
        if problems:
            raise StudyRefused(" ".join(problems))
        arms = [arm.pk for arm in study.arms.all()]
        contractors = list(Enrollment.objects.filter(study=study).values_list("contractor_id", flat=True))
        if study.pooled:  # nobody holds a task until they ask for one
            slots = pool_plan(study_item_ids(study), arms, reviews=study.reviews_per_item, seed=study.seed)
        else:
            slots = plan(
                study_item_ids(study),
                contractors,
                arms,
                design=study.design,
                reviews=study.reviews_per_item,
                seed=study.seed,
            )
        Assignment.objects.bulk_create(
            [
                Assignment(study=study, item_id=s.item, contractor_id=s.contractor, arm_id=s.arm, order=s.order)
                for s in slots
            ],
            batch_size=5000,
        )
        if study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
            do_create_candidates(study)
        study.status = StudyStatus.RUNNING
        study.launched_at = timezone.now()
        study.save(update_fields=("status", "launched_at"))
    return len(slots)


@dataclass
class StudySpec:
    name: str
    datasets: Sequence[Dataset] = ()
    item_ids: Sequence[int] = ()
    kind: str = ""
    max_items: int | None = None
    unassisted: bool = True
    critic_ids: Sequence[int] = ()
    contractors: Sequence[User] = ()
    design: str = Design.BETWEEN
    reviews_per_item: int = 1
    seed: int = 0
    instructions: str = ""
    time_limit_s: int | None = None
    abandon_after_s: int = 3600
    task_kind: str = TaskKind.REVIEW
    pooled: bool = False
    tasks_per_contractor: int | None = None
    tasks: TaskOptions = field(default_factory=TaskOptions)


def select_item_ids(spec: StudySpec) -> list[int]:
    """Items of the chosen datasets (and explicit ids), of one kind if asked; a seeded sample when capped."""
    items = Item.objects.none()
    if spec.datasets:
        items = Item.objects.filter(dataset__in=spec.datasets)
    if spec.item_ids:
        items = items | Item.objects.filter(pk__in=spec.item_ids)
    if spec.kind:
        items = items.filter(kind=spec.kind)
    # A tampered item is ground truth only once the researcher has accepted the tamper.
    items = items.filter(~Q(metadata__has_key="tamper") | Q(metadata__tamper__review="accepted"))
    ids = sorted(set(items.values_list("pk", flat=True)))
    if spec.max_items is not None and len(ids) > spec.max_items:
        ids = sorted(random.Random(spec.seed).sample(ids, spec.max_items))  # noqa: S311 - reproducible sampling
    return ids


def check_create(spec: StudySpec) -> dict[str, str]:
    errors: dict[str, str] = check_task_options(spec.task_kind, spec.tasks)
    if spec.task_kind == TaskKind.REVIEW and not spec.unassisted and not spec.critic_ids:
        errors["arms"] = "A study needs at least one arm: unassisted, or assisted with a critic."
    if not select_item_ids(spec):
        errors["datasets"] = "The chosen datasets (and kind) have no items."
    if spec.tasks_per_contractor is not None and not spec.pooled:
        errors["tasks_per_contractor"] = "A cap per contractor needs pooled tasks (a planned study hands out all)."
    if Study.objects.filter(name=spec.name).exists():
        errors["name"] = f"A study named {spec.name!r} already exists."
    return errors


def do_create_study(spec: StudySpec, owner: User) -> Study:
    errors = check_create(spec)
    if errors:
        raise StudyRefused(" ".join(errors.values()))
    with transaction.atomic():
        study = Study.objects.create(
            name=spec.name,
            owner=owner,
            instructions=spec.instructions,
            design=spec.design,
            reviews_per_item=spec.reviews_per_item,
            seed=spec.seed,
            time_limit_s=spec.time_limit_s,
            abandon_after_s=spec.abandon_after_s,
            task_kind=spec.task_kind,
            pooled=spec.pooled,
            tasks_per_contractor=spec.tasks_per_contractor,
        )
        StudyItem.objects.bulk_create([StudyItem(study=study, item_id=pk) for pk in select_item_ids(spec)])
        if spec.task_kind != TaskKind.REVIEW:
            Arm.objects.create(study=study, name=TaskKind(spec.task_kind).name.title(), kind=ArmKind.UNASSISTED)
            do_create_task_setup(study, spec.tasks)
            do_enrol(study, spec.contractors)
            return study
        arms = [Arm(study=study, name="Unassisted", kind=ArmKind.UNASSISTED, position=0)] if spec.unassisted else []
        for position, (critic_id, name) in enumerate(critic_choices(spec.critic_ids), 1):
            arms.append(
                Arm(
                    study=study, name=f"Assisted: {name}", kind=ArmKind.ASSISTED, critic_id=critic_id, position=position
                )
            )
        Arm.objects.bulk_create(arms)
        do_enrol(study, spec.contractors)
    return study


def do_mark_ready(study: Study) -> None:
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        problems = check_launch(study)
        if problems:
            raise StudyRefused(" ".join(problems))
        study.status = StudyStatus.READY
        study.save(update_fields=("status",))


def do_close(study: Study) -> None:
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        if study.status != StudyStatus.RUNNING:
            raise StudyRefused("Only a running study can be closed.")
        study.status = StudyStatus.CLOSED
        study.closed_at = timezone.now()
        study.save(update_fields=("status", "closed_at"))
