"""Evaluator audits: the log-probability readers, and a planted self-preference and position bias
recovered through a real Celery worker against the stand-in's evaluator mode."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from annotation.datasets.models import Item
from annotation.users import User
from assist.audit_report import audit_report
from assist.audits import AuditRefused, do_create_audit, pairs_of
from assist.models import AuditQuestion, Backend, EvaluatorAudit, GenerationRun
from models_service.client import Choice, TokenLogprob
from models_service.evaluator import NoLogprobs, expected_score, option_probability, pairwise_messages
from tests.conftest import client_for
from tests.factories import CriticConfigFactory, DatasetFactory, ItemFactory
from tests.standin.process import StandinProcess
from tests.workers import WorkerProcess


def choice(top: dict[str, float]) -> Choice:
    token = max(top, key=lambda t: top[t])
    logs = {t: math.log(p) for t, p in top.items()}
    return Choice(text=token, finish_reason="stop", logprobs=[TokenLogprob(token, logs[token], logs)])


def test_answers_are_read_from_the_first_tokens_probabilities() -> None:
    assert option_probability(choice({"1": 0.6, "2": 0.2, "The": 0.2}), "1", "2") == pytest.approx(0.75)
    assert option_probability(choice({" Yes": 0.3, "yes": 0.3, "No": 0.2}), "Yes", "No") == pytest.approx(0.75)
    assert expected_score(choice({"4": 0.5, "5": 0.5})) == pytest.approx(4.5)
    with pytest.raises(NoLogprobs, match="no log-probabilities"):
        option_probability(Choice("1", "stop", []), "1", "2")
    with pytest.raises(NoLogprobs, match="neither"):
        option_probability(choice({"Sure": 0.9, "I": 0.1}), "1", "2")
    with pytest.raises(NoLogprobs, match="no score token"):
        expected_score(choice({"six": 1.0}))
    prompt = pairwise_messages("preference", "ctx", "", "first text", "second text")[1]["content"]
    assert prompt.index("first text") < prompt.index("second text") and "prefer" in prompt


@pytest.mark.django_db
def test_an_audit_needs_a_model_server_and_pairs(researcher: User) -> None:
    imported = CriticConfigFactory.create(name="from a file", backend=Backend.IMPORTED)
    dataset = DatasetFactory.create()
    ItemFactory.create(dataset=dataset, context="c", author="critic", content_hash="a" * 64)
    with pytest.raises(AuditRefused, match="not a model server"):
        do_create_audit(imported, dataset.items.all(), "critic", researcher)
    server = CriticConfigFactory.create(name="server", backend=Backend.OPENAI, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(AuditRefused, match="nothing to compare"):
        do_create_audit(server, dataset.items.all(), "critic", researcher)
    ItemFactory.create(dataset=dataset, context="c", author="human", content_hash="b" * 64)
    ItemFactory.create(dataset=dataset, context="other", author="human", content_hash="d" * 64)
    assert len(pairs_of(dataset.items.all(), "critic")) == 1


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    server = StandinProcess()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_planted_self_preference_and_position_bias_are_recovered_through_the_worker(
    researcher: User, other_researcher: User, contractor: User, worker: WorkerProcess, standin: StandinProcess
) -> None:
    standin.configure(self_preference=0.7, self_recognition=0.8, position_bias=0.1)
    evaluator = CriticConfigFactory.create(name="evaluator", backend=Backend.OPENAI, base_url=standin.url, sampling={})
    dataset = DatasetFactory.create()
    for n in range(60):
        context = f"Passage {n}: the council met and approved the budget."
        ItemFactory.create(
            dataset=dataset,
            context=context,
            author="critic",
            content_hash=f"o{n:063d}",
            response=f"In short, the council approved budget {n}.",
        )
        ItemFactory.create(
            dataset=dataset,
            context=context,
            author="human",
            content_hash=f"h{n:063d}",
            response=f"The council approved the budget ({n}).",
        )
    client = client_for(researcher)
    started = client.post(
        reverse("api-audit-list"),
        {"evaluator": evaluator.pk, "own_author": "critic", "datasets": [dataset.pk]},
        content_type="application/json",
    )
    assert started.status_code == 201
    audit_id = started.json()["id"]
    assert started.json()["total"] == 60 * 6 + 120 * 2
    deadline = time.monotonic() + 120
    while EvaluatorAudit.objects.get(pk=audit_id).status != "done":
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.5)
    assert not AuditQuestion.objects.filter(audit_id=audit_id, value__isnull=True).exists()
    report = client.get(reverse("api-audit-detail", args=[audit_id])).json()["report"]
    preference = report["overall"]["self_preference"]
    assert abs(preference["value"] - 0.7) < 0.03 and preference["low"] <= 0.7 <= preference["high"]
    assert abs(report["overall"]["self_recognition"]["value"] - 0.8) < 0.03
    assert abs(report["overall"]["other_named_worse"]["value"] - 0.7) < 0.03
    assert abs(report["position_bias"]["preference"]["value"] - 0.1) < 0.03
    assert report["overall"]["individual_self_preference"]["value"] == 1.0
    page = client.get(reverse("audit-detail", args=[audit_id])).content.decode()
    assert "Self-preference, pairwise" in page and "<svg" in page
    # An audit is its researcher's: another researcher does not know of it, a contractor may not ask.
    assert client_for(other_researcher).get(reverse("audit-detail", args=[audit_id])).status_code == 404
    assert client_for(contractor).get(reverse("api-audit-detail", args=[audit_id])).status_code == 403
    assert audit_report(EvaluatorAudit.objects.get(pk=audit_id))["kendall_tau"] is None  # one other author: 2 settings


@pytest.mark.django_db(transaction=True)
def test_a_model_writes_its_own_responses_then_the_audit_finds_them(
    researcher: User, worker: WorkerProcess, standin: StandinProcess
) -> None:
    standin.configure(self_preference=0.65, self_recognition=0.75, position_bias=0.0)
    model = CriticConfigFactory.create(name="writer", backend=Backend.OPENAI, base_url=standin.url, sampling={})
    humans = DatasetFactory.create(name="human summaries")
    for n in range(30):
        ItemFactory.create(
            dataset=humans,
            context=f"Story {n} happened. Then more.",
            author="human",
            response=f"A person wrote about story {n}.",
            content_hash=f"p{n:063d}",
        )
    client = client_for(researcher)
    started = client.post(
        reverse("generation-start"),
        {"generator": model.pk, "source": humans.pk, "target": "sm-1 writes", "author": "sm-1"},
        follow=True,
    )
    assert "Generation" in started.content.decode() and "30 responses" in started.content.decode()
    run = GenerationRun.objects.get()
    deadline = time.monotonic() + 60
    while GenerationRun.objects.get(pk=run.pk).status != "done":
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.3)
    written = Item.objects.filter(dataset=run.target)
    assert written.count() == 30 and set(written.values_list("author", flat=True)) == {"sm-1"}
    first = written.order_by("pk").first()
    assert first is not None and first.response.startswith("In short, Story") and first.metadata["generated"]["run"]
    audit = do_create_audit(model, Item.objects.filter(dataset__in=[humans, run.target]), "sm-1", researcher)
    deadline = time.monotonic() + 120
    while EvaluatorAudit.objects.get(pk=audit.pk).status != "done":
        assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
        time.sleep(0.3)
    report = audit_report(audit)
    assert abs(report["overall"]["self_preference"]["value"] - 0.65) < 0.03
    listed = client.get(reverse("api-generation-detail", args=[run.pk])).json()
    assert listed["status"] == "done" and listed["done"] == 30
    again = client.post(
        reverse("api-generation-list"),
        {"generator": model.pk, "dataset": humans.pk, "target": "sm-1 writes"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "taken" in again.json()["detail"]
    assert report["by_author"].keys() == {"human"}


@pytest.mark.django_db
def test_the_report_sets_self_preference_beside_what_contractors_thought(researcher: User, contractor: User) -> None:
    from annotation.labeling.models import Review
    from annotation.studies.models import Assignment, Study

    evaluator = CriticConfigFactory.create(name="judge", backend=Backend.OPENAI, base_url="http://127.0.0.1:9/v1")
    dataset = DatasetFactory.create()
    study = Study.objects.create(name="ratings", owner=researcher, status="closed")
    arm = study.arms.create(name="Unassisted", kind="unassisted")
    audit = EvaluatorAudit.objects.create(evaluator=evaluator, own_author="judge", created_by=researcher, status="done")
    for n in range(6):
        own = ItemFactory.create(dataset=dataset, context=f"s{n}", author="judge", content_hash=f"j{n:063d}")
        other = ItemFactory.create(dataset=dataset, context=f"s{n}", author="human", content_hash=f"k{n:063d}")
        for item, rating in ((own, 3), (other, 6)):  # people liked the human's better
            done = Assignment.objects.create(study=study, item=item, arm=arm, contractor=contractor, status="submitted")
            Review.objects.create(assignment=done, rating=rating, status="submitted", submitted_at=study.created_at)
        for first in (True, False):
            AuditQuestion.objects.create(
                audit=audit,
                ask="pair:preference",
                item=own,
                other_item=other,
                own_first=first,
                value=0.8,
                p_first=0.8 if first else 0.2,
            )
    report = audit_report(audit)
    assert report["overall"]["self_preference"]["value"] == pytest.approx(0.8)
    assert report["overall"]["human_preference"] == {"value": 0.0, "low": 0.0, "high": 0.0, "n": 6}
    assert report["position_bias"]["preference"]["value"] == pytest.approx(0.0)
    exported = client_for(researcher).get(reverse("audit-export", args=[audit.pk]))
    lines = b"".join(exported.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 13 and lines[0].startswith("id,ask,item_id,item__author")


@pytest.mark.django_db
def test_recognition_and_preference_are_related_across_evaluators(researcher: User) -> None:
    from assist.audit_report import across_audits

    dataset = DatasetFactory.create()
    own = ItemFactory.create(dataset=dataset, context="s", author="model", content_hash="q" * 64)
    other = ItemFactory.create(dataset=dataset, context="s", author="human", content_hash="r" * 64)
    audits = []
    for n, level in enumerate((0.6, 0.7, 0.9)):
        evaluator = CriticConfigFactory.create(name=f"evaluator {n}", backend=Backend.OPENAI)
        audit = EvaluatorAudit.objects.create(
            evaluator=evaluator, own_author="model", created_by=researcher, status="done"
        )
        for ask, value in (("pair:recognition", level), ("pair:preference", level - 0.1)):
            for first in (True, False):
                AuditQuestion.objects.create(
                    audit=audit,
                    ask=ask,
                    item=own,
                    other_item=other,
                    own_first=first,
                    value=value,
                    p_first=value if first else 1 - value,
                )
        audits.append(audit)
    found = across_audits(audits)
    assert len(found["points"]) == 3 and found["kendall_tau"] == pytest.approx(1.0)
    page = client_for(researcher).get(reverse("audit-list")).content.decode()
    assert "Kendall" in page and "evaluator 2" in page
