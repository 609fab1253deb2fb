"""seed_demo: demo users and datasets, written through the normal import path. Idempotent."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from annotation.datasets.importing.service import ImportResult, do_import
from annotation.datasets.models import Item
from annotation.demo.code_items import demo_code_rows
from annotation.demo.crowd import seed_crowd_study
from annotation.studies.lifecycle import StudySpec, do_create_study
from annotation.studies.models import Study, TaskKind
from annotation.studies.task_options import TaskOptions
from annotation.users import Role, User
from assist.interface import CPU_CRITIC, EXECUTION_CRITIC, critic_choices, start_demo_runs

SUMMARIES_FILE = Path(__file__).with_name("summaries.jsonl")
CODE_DATASET = "HumanEval code review (demo)"
SUMMARY_DATASET = "Topic summaries (demo)"
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("admin", Role.ADMIN),
    ("researcher", Role.RESEARCHER),
    ("researcher2", Role.RESEARCHER),
    ("contractor1", Role.CONTRACTOR),
    ("contractor2", Role.CONTRACTOR),
)


CPU_CRITIC_ITEMS = 12  # per dataset: the 135M model writes a critique in a few seconds on a CPU


@dataclass
class SeedReport:
    users_created: list[str]
    imports: list[ImportResult]
    run_ids: list[int] = field(default_factory=list)


def ensure_demo_users(password: str) -> list[str]:
    created = []
    with transaction.atomic():
        for username, role in DEMO_USERS:
            user, was_created = User.objects.get_or_create(username=username)
            if was_created:
                user.set_password(password)
                user.is_staff = user.is_superuser = role == Role.ADMIN
                user.save(update_fields=("password", "is_staff", "is_superuser"))
                created.append(username)
            user.groups.add(Group.objects.get(name=role))
    return created


def _jsonl(rows: Iterable[dict[str, Any]]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8"))


def start_demo_critiques(owner: User, cpu_critic_url: str) -> list[int]:
    """Queue the demo's critique runs once: the execution critic over the code items, and the
    CPU model critic (see models_service.cpu_server) over a few items of each dataset."""
    code = Item.objects.filter(dataset__name=CODE_DATASET, kind="code").exclude(tests="")
    few = [
        *code.order_by("id").values_list("pk", flat=True)[:CPU_CRITIC_ITEMS],
        *Item.objects.filter(dataset__name=SUMMARY_DATASET)
        .order_by("id")
        .values_list("pk", flat=True)[:CPU_CRITIC_ITEMS],
    ]
    return start_demo_runs(owner, cpu_critic_url, list(code.order_by("id").values_list("pk", flat=True)), few)


def seed_demo(
    *,
    password: str,
    code_items: int | None,
    seed: int = 2024,
    critiques: bool = False,
    cpu_critic_url: str = "http://127.0.0.1:8090/v1",
) -> SeedReport:
    users = ensure_demo_users(password)
    owner = User.objects.get(username="researcher")
    code = do_import(
        _jsonl(demo_code_rows(code_items, seed)),
        name=CODE_DATASET,
        fmt="jsonl",
        user=owner,
        description="HumanEval solutions with bugs planted by AST mutation; every bug fails the "
        "problem's own tests. Every fourth original is included as a clean control.",
    )
    with SUMMARIES_FILE.open("rb") as stream:
        summaries = do_import(
            stream,
            name=SUMMARY_DATASET,
            fmt="jsonl",
            user=owner,
            description="Short passages, questions and answers written for the demo; some answers carry planted flaws.",
        )
    seed_crowd_study(owner, SUMMARY_DATASET)
    runs = start_demo_critiques(owner, cpu_critic_url) if critiques else []
    if critiques:
        seed_comparison_study(owner)
    return SeedReport(users_created=users, imports=[code, summaries], run_ids=runs)


COMPARISON_STUDY = "Which critique is best? (demo, CriticGPT comparison)"
COMPARISON_INSTRUCTIONS = """Each task shows one piece of code and three critiques of it, in random order, blind to
who wrote them. Rate each critique on every question (keys 1-7 answer the focused question).
The problem shown under each critique is the bug known to be in the code: say whether the critique
points it out."""


def seed_comparison_study(owner: User) -> None:
    """A draft comparison of the demo's two critics and the planted bugs' own descriptions (gold),
    over the code items the CPU critic critiques; it launches once both critics' runs are done."""
    if Study.objects.filter(name=COMPARISON_STUDY).exists():
        return
    critics = [pk for pk, name in critic_choices() if name in (EXECUTION_CRITIC, CPU_CRITIC)]
    code = Item.objects.filter(dataset__name=CODE_DATASET, kind="code").exclude(tests="").order_by("id")
    spec = StudySpec(
        name=COMPARISON_STUDY,
        item_ids=list(code.values_list("pk", flat=True)[:CPU_CRITIC_ITEMS]),
        contractors=list(User.objects.filter(username__in=("contractor1", "contractor2"))),
        task_kind=TaskKind.COMPARE,
        reviews_per_item=2,
        seed=2024,
        instructions=COMPARISON_INSTRUCTIONS,
        tasks=TaskOptions(compare_critic_ids=critics, include_gold=True, per_task=3),
    )
    do_create_study(spec, owner)
