"""Every route and every persona, generated from the URL configuration: a route without a rule here
fails, a persona a rule denies is denied (403, or 404 where the object is not theirs to know of),
one it allows is let through, and no request of any persona is answered with a 5xx.

Each persona gets a world of its own (a study with tasks, reviews, flaws, a critic, a run, an
export), so what one persona's POST changes cannot hide what the next one would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotation.crowd.models import StudyLink
from annotation.datasets.models import ImportJob
from annotation.hooks.models import Delivery, Webhook
from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.labeling.queue import claim_next
from annotation.results.models import ExportJob, ExportStatus
from annotation.studies.models import Assignment
from annotation.tampering.models import Tamper, TamperFlaw
from annotation.users import User
from assist.models import Backend, CritiqueRun, EvaluatorAudit, GenerationRun
from tests.comparisons import compare_study, start, tamper_study
from tests.conftest import client_for
from tests.studies import give, make_world

pytestmark = pytest.mark.django_db
PERSONAS = ("anonymous", "contractor", "other_contractor", "researcher", "other_researcher", "admin_user")
RESEARCHERS = {"researcher", "other_researcher", "admin_user"}
CONTRACTORS = {"contractor", "other_contractor"}

type Rule = tuple[set[str], set[str]]

# Who may use a route: (allowed personas, personas that get 404 because the object is not theirs).
PUBLIC: Rule = (set(PERSONAS), set())
USER: Rule = (set(PERSONAS) - {"anonymous"}, set())
RESEARCHER: Rule = (RESEARCHERS, set())
OWNER: Rule = ({"researcher", "admin_user"}, {"other_researcher"})  # studies, reviews, exports: others never know
CHANGER: Rule = ({"researcher", "admin_user"}, set())  # critics and runs: others see them, may not change them
ADMIN: Rule = ({"admin_user"}, set())
CONTRACTOR: Rule = (CONTRACTORS, set())
TASK: Rule = ({"contractor"}, {"other_contractor"})
PARTICIPANT: Rule = (set(), set(PERSONAS))  # crowd participants only: nobody of these personas is one

RULES: dict[str, Any] = {
    "healthz": PUBLIC, "metrics": ADMIN,
    "study-quality": OWNER, "study-quality-exclude": OWNER, "study-quality-restore": OWNER,
    "study-checks": OWNER, "study-quality-resume": OWNER, "study-link": OWNER,
    "join": PUBLIC, "join-done": PARTICIPANT,
    "webhook-list": RESEARCHER, "webhook-detail": OWNER, "webhook-ping": OWNER, "webhook-toggle": OWNER,
    "webhook-delete": OWNER, "webhook-redeliver": OWNER,
    "people": ADMIN, "person-edit": ADMIN,
    "home": USER, "login": PUBLIC, "logout": USER, "schema": PUBLIC, "api-docs": PUBLIC, "api-root": USER,
    "dataset-list": RESEARCHER, "dataset-import": RESEARCHER, "dataset-detail": RESEARCHER,
    "dataset-export-start": ADMIN, "item-detail": RESEARCHER,
    "export-list": RESEARCHER, "export-detail": OWNER, "export-download": OWNER,
    "queue": CONTRACTOR, "task-next": CONTRACTOR, "task": TASK, "task-flaw-add": TASK, "task-flaw-edit": TASK,
    "task-flaw-delete": TASK, "task-judge": TASK, "task-draft": TASK, "task-submit": TASK, "task-skip": TASK,
    "task-time": TASK, "task-compare-answer": TASK, "task-compare-submit": TASK, "task-tamper-text": TASK,
    "task-tamper-flaw-add": TASK, "task-tamper-flaw-delete": TASK, "task-tamper-tests": TASK,
    "task-tamper-panel": TASK, "task-tamper-submit": TASK, "study-tampers": OWNER, "study-tamper-review": OWNER,
    "api-task-comparison": TASK, "audit-list": RESEARCHER, "audit-detail": OWNER, "api-audit-list": RESEARCHER,
    "api-audit-detail": OWNER, "generation-start": RESEARCHER, "audit-export": OWNER,
    "critic-gdc": RESEARCHER, "api-critic-gdc": RESEARCHER, "api-generation-list": RESEARCHER,
    "api-generation-detail": OWNER,
    "api-task-comparison-answers": TASK, "api-task-comparison-submit": TASK,
    "study-list": RESEARCHER, "study-new": RESEARCHER, "study-detail": OWNER, "study-progress": OWNER,
    "study-enrol": OWNER, "study-ready": OWNER, "study-launch": OWNER, "study-close": OWNER,
    "study-critiques": OWNER, "study-drop-failed": OWNER, "study-release": OWNER, "study-reviews": OWNER,
    "review-detail": OWNER, "study-results": OWNER, "study-results-csv": OWNER, "study-export": OWNER,
    "study-export-start": OWNER, "study-match-threshold": OWNER, "study-adjudicate": OWNER,
    "study-adjudicate-item": OWNER, "study-adjudicate-report": OWNER,
    "critic-list": RESEARCHER, "critic-new": RESEARCHER, "critic-edit": CHANGER,
    "run-list": RESEARCHER, "run-start": RESEARCHER, "run-detail": RESEARCHER, "run-cancel": CHANGER,
    "run-retry": CHANGER,
    "api-dataset-list": RESEARCHER, "api-dataset-import-file": RESEARCHER, "api-dataset-detail": RESEARCHER,
    "api-dataset-items": RESEARCHER, "api-item-list": RESEARCHER, "api-item-detail": RESEARCHER,
    "api-study-list": RESEARCHER, "api-study-detail": OWNER, "api-study-adjudications": OWNER,
    "api-study-close": OWNER, "api-study-drop-failed": OWNER, "api-study-enrol": OWNER, "api-study-export": OWNER,
    "api-study-generate-critiques": OWNER, "api-study-launch": OWNER, "api-study-match-threshold": OWNER,
    "api-study-progress": OWNER, "api-study-results": OWNER,
    "api-task-list": CONTRACTOR, "api-task-next": CONTRACTOR, "api-task-detail": TASK, "api-task-skip": TASK,
    "api-export-list": RESEARCHER, "api-export-detail": OWNER, "api-export-download": OWNER,
    "api-critic-list": RESEARCHER,
    "api-critic-detail": {"get": RESEARCHER, "put": CHANGER, "patch": CHANGER, "delete": CHANGER},
    "api-run-list": RESEARCHER, "api-run-detail": RESEARCHER, "api-run-cancel": CHANGER, "api-run-retry": CHANGER,
    "api-critique-list": RESEARCHER, "api-critique-detail": RESEARCHER,
    "import-detail": OWNER, "api-import-list": RESEARCHER, "api-import-detail": OWNER,
}  # fmt: skip


@dataclass(frozen=True)
class Route:
    name: str
    methods: tuple[str, ...]  # the API's; pages are tried with GET, then POST if GET is not allowed


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # Django's own admin, behind is_staff
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            actions = getattr(pattern.callback, "actions", None) or {}
            yield Route(pattern.name, tuple(actions) or ("get",))


LAST = {
    "task-flaw-delete",
    "task-skip",
    "task-compare-submit",
    "task-tamper-submit",
    "task-tamper-flaw-delete",
    "api-task-comparison-submit",
    "api-task-skip",
    "study-close",
    "api-study-close",
    "api-critic-detail",
    "webhook-delete",
}
ROUTES = {route.name: route for route in _routes(get_resolver().url_patterns)}


def test_every_route_has_an_access_rule() -> None:
    assert sorted(set(ROUTES) - set(RULES)) == [], "new routes need a rule in RULES"
    assert sorted(set(RULES) - set(ROUTES)) == [], "rules for routes that no longer exist"


def _world(owner: User, contractor: User) -> dict[str, dict[str, Any]]:
    world = make_world(owner, [contractor], items=2)
    world.critic.backend, world.critic.created_by = Backend.OPENAI, owner
    world.critic.base_url = "http://127.0.0.1:9/v1"
    world.critic.save()
    task = give(world, contractor, world.assisted, world.items[0])
    client_for(contractor).get(reverse("task", args=[task.pk]))  # records the comments shown
    review = Review.objects.get(assignment=task)
    flaw = FlawReport.objects.create(review=review, start=4, end=7, description="d", severity="major", category="bug")
    judgement = CommentJudgement.objects.filter(review=review).first()
    assert judgement is not None
    done = give(world, contractor, world.unassisted, world.items[1], order=1)
    Review.objects.create(assignment=done, rating=4, status="submitted", submitted_at=task.started_at)
    Assignment.objects.filter(pk=done.pk).update(status="submitted", submitted_at=task.started_at)
    report = FlawReport.objects.create(
        review=done.review, start=4, end=7, description="r", severity="major", category="accuracy"
    )
    run = CritiqueRun.objects.create(critic=world.critic, created_by=owner)
    exports = Path(settings.MEDIA_ROOT) / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    (exports / f"matrix-{world.study.pk}.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    job = ExportJob.objects.create(
        requested_by=owner, study=world.study, format="jsonl", status=ExportStatus.DONE,
        file=f"exports/matrix-{world.study.pk}.zip",
    )  # fmt: skip
    upload = ImportJob.objects.create(requested_by=owner, name="big", path="imports/none.upload", size=10)
    compared, _ = start(contractor, compare_study(owner, [contractor], items=1))
    tampering = tamper_study(owner, [contractor], items=2)
    tamper_task = claim_next(contractor, tampering)
    assert tamper_task is not None
    client_for(contractor).get(reverse("task", args=[tamper_task.pk]))
    tamper_flaw = TamperFlaw.objects.create(tamper=tamper_task.tamper, description="d")
    done_tamper = Assignment.objects.filter(study=tampering).exclude(pk=tamper_task.pk).get()
    submitted = Tamper.objects.create(assignment=done_tamper, text="x", status="submitted")
    by_compare, by_tamper = {"pk": compared.pk}, {"pk": tamper_task.pk}
    audit = EvaluatorAudit.objects.create(evaluator=world.critic, own_author="m", created_by=owner)
    generation = GenerationRun.objects.create(
        generator=world.critic,
        source=world.items[0].dataset,
        target=world.items[0].dataset,
        author="m",
        created_by=owner,
    )
    study, dataset = world.study.pk, world.items[0].dataset_id
    by_task = {"pk": task.pk}
    link = StudyLink.objects.create(study=world.study, completion_code="C0DE")
    hook = Webhook.objects.create(owner=owner, url="http://127.0.0.1:9/hook", events=["task.submitted"])
    delivery = Delivery.objects.create(webhook=hook, event="ping", payload={}, status="failed")
    by_hook = {"pk": hook.pk}
    return {
        "dataset-detail": {"pk": dataset}, "dataset-export-start": {"pk": dataset},
        "item-detail": {"pk": world.items[0].pk},
        "export-detail": {"pk": job.pk}, "export-download": {"pk": job.pk},
        "task": by_task, "task-flaw-add": by_task, "task-flaw-edit": by_task | {"flaw_pk": flaw.pk},
        "task-flaw-delete": by_task | {"flaw_pk": flaw.pk}, "task-judge": by_task | {"judgement_pk": judgement.pk},
        "task-draft": by_task, "task-submit": by_task, "task-skip": by_task, "task-time": by_task,
        "review-detail": {"pk": done.review.pk},
        "study-export": {"pk": study, "table": "flaw_reports", "fmt": "csv"},
        "study-adjudicate-item": {"pk": study, "item_pk": world.items[1].pk},
        "study-adjudicate-report": {"pk": study, "report_pk": report.pk},
        "critic-edit": {"pk": world.critic.pk}, "run-detail": {"pk": run.pk}, "run-cancel": {"pk": run.pk},
        "run-retry": {"pk": run.pk},
        "api-dataset-detail": {"pk": dataset}, "api-dataset-items": {"pk": dataset},
        "api-item-detail": {"pk": world.items[0].pk}, "api-task-detail": by_task, "api-task-skip": by_task,
        "api-export-detail": {"pk": job.pk}, "api-export-download": {"pk": job.pk},
        "api-critic-detail": {"pk": world.critic.pk}, "api-run-detail": {"pk": run.pk},
        "api-run-cancel": {"pk": run.pk}, "api-run-retry": {"pk": run.pk},
        "api-critique-detail": {"pk": world.critiques[0].pk},
        "import-detail": {"pk": upload.pk}, "api-import-detail": {"pk": upload.pk},
        "task-compare-answer": by_compare, "task-compare-submit": by_compare, "api-task-comparison": by_compare,
        "api-task-comparison-answers": by_compare, "api-task-comparison-submit": by_compare,
        "task-tamper-text": by_tamper, "task-tamper-flaw-add": by_tamper, "task-tamper-tests": by_tamper,
        "task-tamper-flaw-delete": by_tamper | {"flaw_pk": tamper_flaw.pk}, "task-tamper-panel": by_tamper,
        "task-tamper-submit": by_tamper, "study-tampers": {"pk": tampering.pk},
        "study-tamper-review": {"pk": tampering.pk, "tamper_pk": submitted.pk},
        "audit-detail": {"pk": audit.pk}, "api-audit-detail": {"pk": audit.pk}, "audit-export": {"pk": audit.pk},
        "critic-gdc": {"pk": world.critic.pk}, "api-critic-gdc": {"pk": world.critic.pk},
        "api-generation-detail": {"pk": generation.pk},
        "study-quality-restore": {"pk": study, "contractor_pk": contractor.pk},
        "study-quality-resume": {"pk": study, "contractor_pk": contractor.pk},
        "join": {"token": link.token},
        "webhook-detail": by_hook, "webhook-ping": by_hook, "webhook-toggle": by_hook, "webhook-delete": by_hook,
        "webhook-redeliver": by_hook | {"delivery_pk": delivery.pk},
        "person-edit": {"pk": contractor.pk},
        "_study": {"pk": study},
    }  # fmt: skip


def _kwargs(world: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    if name in world:
        return world[name]
    if "study" in name and name not in ("study-list", "study-new", "api-study-list"):
        return world["_study"]
    return {}


def _call(client: Client, method: str, url: str) -> int:
    if method == "get":
        return client.get(url).status_code
    body: dict[str, Any] = {}
    return int(getattr(client, method)(url, body, content_type="application/json").status_code)


def _expected(rule: tuple[set[str], set[str]], persona: str, api: bool, status: int, where: str) -> None:
    allowed, hidden = rule
    assert status < 500, f"{where}: {status}"
    if persona in allowed:
        assert status not in (401, 403, 404), f"{where}: allowed, got {status}"
    elif persona in hidden:
        assert status == 404, f"{where}: should not know the object exists, got {status}"
    elif persona == "anonymous" and not api:
        assert status == 302, f"{where}: should be sent to log in, got {status}"
    else:
        assert status in (401, 403), f"{where}: should be refused, got {status}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_every_persona_as_its_rule_says(
    request: pytest.FixtureRequest, persona: str, researcher: User, contractor: User
) -> None:
    request.getfixturevalue("other_contractor")
    request.getfixturevalue("other_researcher")
    world = _world(researcher, contractor)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    checked = 0
    # What ends a persona's access to its objects (deleting, skipping, closing) comes last.
    for name, route in sorted(ROUTES.items(), key=lambda pair: (pair[0] in LAST, pair[0])):
        if name == "logout":
            continue  # would end the session the rest of the loop uses
        url = reverse(name, kwargs=_kwargs(world, name) or None)
        api = name.startswith("api-")
        for method in route.methods:
            client = client_for(user) if user is not None else Client()
            rule = RULES[name][method] if isinstance(RULES[name], dict) else RULES[name]
            status = _call(client, method, url)
            if status == 405 and not api:  # a POST-only page: the rule is checked on POST
                status = _call(client, "post", url)
            _expected(rule, persona, api, status, f"{persona} {method.upper()} {url} ({name})")
            checked += 1
    assert checked >= len(ROUTES)
