"""Setting up a study's checks: its quality plan, gold and qualifying items from a dataset, and
attention checks written into copies of the study's own items."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from annotation.choices import Category, FlawOrigin, Severity
from annotation.datasets.models import Dataset, Item, PlantedFlaw, content_hash
from annotation.quality.models import QualityPlan, Standing
from annotation.studies.models import ArmKind, CheckItem, CheckRole, Study, StudyItem, StudyStatus, TaskKind
from annotation.users import User

MAX_CHECK_ITEMS = 500
ATTENTION_PROSE = "Attention check: to show you are reading, report this sentence as a flaw."
ATTENTION_CODE = "Attention check: report this line as a flaw."
_COMMENT = {"python": "#", "ruby": "#", "r": "#", "shell": "#", "bash": "#", "sql": "--", "haskell": "--"}


class CheckRefused(Exception):
    pass


def check_can_set_up(study: Study) -> None:
    if study.task_kind != TaskKind.REVIEW:
        raise CheckRefused("Checks are for review studies: their answers are known flaws.")
    if study.status == StudyStatus.CLOSED:
        raise CheckRefused("The study is closed.")


def check_can_add_items(study: Study) -> None:
    check_can_set_up(study)
    if study.status == StudyStatus.RUNNING and study.arms.filter(kind=ArmKind.ASSISTED).exists():
        raise CheckRefused("Add check items before launch: the assisted arms need their critiques generated first.")


@dataclass(frozen=True)
class PlanInput:
    gold_rate: float
    min_active_s: int | None
    min_checks: int
    warn_below: float | None
    pause_below: float | None
    qualification_pass: float


def do_save_plan(study: Study, spec: PlanInput) -> QualityPlan:
    check_can_set_up(study)
    plan, _ = QualityPlan.objects.update_or_create(
        study=study,
        defaults={
            "gold_rate": spec.gold_rate,
            "min_active_s": spec.min_active_s,
            "min_checks": spec.min_checks,
            "warn_below": spec.warn_below,
            "pause_below": spec.pause_below,
            "qualification_pass": spec.qualification_pass,
        },
    )
    return plan


def do_add_check_items(study: Study, dataset: Dataset, role: str, count: int) -> int:
    """A seeded sample of the dataset's items with known flaws, not already in the study, as checks.
    Before launch only for qualification (everyone must see the same set); gold any time."""
    check_can_add_items(study)
    if role == CheckRole.QUALIFICATION and study.status == StudyStatus.RUNNING:
        raise CheckRefused("The qualifying set is fixed at launch: everyone must take the same one.")
    known = PlantedFlaw.objects.filter(item=OuterRef("pk"))
    candidates = (
        Item.objects.filter(dataset=dataset)
        .filter(Exists(known))
        .exclude(pk__in=StudyItem.objects.filter(study=study).values("item_id"))
        .exclude(pk__in=CheckItem.objects.filter(study=study).values("item_id"))
    )
    ids = sorted(candidates.values_list("pk", flat=True))
    if not ids:
        raise CheckRefused(f"{dataset.name} has no item with known flaws that this study does not already use.")
    if CheckItem.objects.filter(study=study).count() + min(count, len(ids)) > MAX_CHECK_ITEMS:
        raise CheckRefused(f"A study holds at most {MAX_CHECK_ITEMS} check items.")
    chosen = sorted(random.Random(f"{study.seed}:{role}").sample(ids, min(count, len(ids))))  # noqa: S311
    CheckItem.objects.bulk_create([CheckItem(study=study, item_id=pk, role=role) for pk in chosen])
    return len(chosen)


def do_remove_check_items(study: Study, role: str) -> int:
    check_can_set_up(study)
    if study.status == StudyStatus.RUNNING and role == CheckRole.QUALIFICATION:
        raise CheckRefused("The qualifying set is fixed at launch.")
    used = CheckItem.objects.filter(study=study, role=role)
    if study.status == StudyStatus.RUNNING:
        used = used.exclude(item_id__in=study.assignments.values("item_id"))
    return used.delete()[0]


def attention_text(item: Item) -> tuple[str, int, int, int | None]:
    """The item's response with an instruction written in: (text, start, end, line) of the instruction."""
    if item.kind == "code":  # a comment line: it changes nothing the tests see
        lines = item.response.splitlines(keepends=True)
        at = max(1, len(lines) // 2) if lines else 0
        head = "".join(lines[:at])
        head += "\n" if head and not head.endswith("\n") else ""
        indent = re.match(r"[ \t]*", lines[at - 1]).group(0) if at else ""  # type: ignore[union-attr]
        prefix = _COMMENT.get(item.language.lower(), "//" if item.language else "#")
        comment = f"{indent}{prefix} {ATTENTION_CODE}"
        tail = "".join(lines[at:])
        return head + comment + ("\n" if tail else "") + tail, len(head), len(head) + len(comment), at + 1
    sentences = list(re.finditer(r"[^.!?]+[.!?]+\s*", item.response))
    cut = sentences[len(sentences) // 2].end() if len(sentences) >= 2 else len(item.response)
    before = item.response[:cut]
    glue = "" if not before or before[-1].isspace() else " "
    start = len(before) + len(glue)
    text = before + glue + ATTENTION_PROSE + (" " if cut < len(item.response) else "") + item.response[cut:]
    return text, start, start + len(ATTENTION_PROSE), None


def do_generate_attention_checks(study: Study, count: int, user: User) -> int:
    """Copies of `count` of the study's items, each with an instruction to report one span, as checks."""
    check_can_add_items(study)
    source = sorted(StudyItem.objects.filter(study=study).values_list("item_id", flat=True))
    if not source:
        raise CheckRefused("Add items to the study first: attention checks are written into copies of them.")
    chosen = random.Random(f"{study.seed}:attention").sample(source, min(count, len(source)))  # noqa: S311
    with transaction.atomic():
        dataset, _ = Dataset.objects.get_or_create(
            name=f"Attention checks of study {study.pk}",
            defaults={"description": f"Written for {study.name!r}.", "source_format": "attention", "created_by": user},
        )
        if dataset.source_format != "attention":
            raise CheckRefused(f"A dataset named {dataset.name!r} exists and holds something else: rename it first.")
        made = 0
        for item in Item.objects.filter(pk__in=chosen).order_by("pk"):
            if Item.objects.filter(dataset=dataset, external_id=f"attention-{study.pk}-{item.pk}").exists():
                continue  # written for this study before
            made += 1
            text, start, end, line = attention_text(item)
            check = Item.objects.create(
                dataset=dataset,
                external_id=f"attention-{study.pk}-{item.pk}",
                kind=item.kind,
                context=item.context,
                question=item.question,
                response=text,
                author=item.author,
                language=item.language,
                tests=item.tests,
                metadata={"attention_check": {"study": study.pk, "from_item": item.pk}},
                content_hash=content_hash(
                    item.kind, item.context, item.question, text, f"attention-{study.pk}-{item.pk}"
                ),
            )
            PlantedFlaw.objects.create(
                item=check,
                start=start,
                end=end,
                line_start=line,
                line_end=line,
                description="Attention check: the instruction asks the reviewer to report this span.",
                severity=Severity.MINOR,
                category=Category.OTHER,
                origin=FlawOrigin.ATTENTION,
            )
            CheckItem.objects.create(study=study, item=check, role=CheckRole.ATTENTION)
    return made


def do_resume(study: Study, contractor_id: int, user: User) -> bool:
    """The researcher lets a paused contractor work again; later checks no longer pause them."""
    return bool(
        Standing.objects.filter(study=study, contractor_id=contractor_id)
        .exclude(paused_at=None)
        .update(paused_at=None, resumed_at=timezone.now(), resumed_by=user)
    )


def checks_summary(study: Study) -> dict[str, object]:
    """What the study page shows of its checks: the plan and how many items of each role."""
    counts = dict(CheckItem.objects.filter(study=study).values_list("role").annotate(n=models.Count("id")).order_by())
    plan = QualityPlan.objects.filter(study=study).first()
    return {
        "plan": plan,
        "pass_percent": round(100 * (plan.qualification_pass if plan else 0.5)),
        "counts": {role.label.split(" (")[0]: counts.get(role.value, 0) for role in CheckRole},
        "qualifying": counts.get(CheckRole.QUALIFICATION, 0),
    }
