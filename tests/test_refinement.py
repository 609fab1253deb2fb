"""Critique-conditioned refinement through the real client against the stand-in server, and the
response comparison that judges refinements against the originals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from annotation.comparing.models import Candidate
from annotation.labeling.queue import claim_next
from annotation.studies.lifecycle import StudyRefused, StudySpec, check_launch, do_create_study, do_launch
from annotation.studies.task_options import TaskOptions
from annotation.users import User
from assist.models import Backend, CriticConfig, Refinement
from assist.refine_worker import execute_refinements
from assist.refining import RefineRefused, do_request_refinements
from models_service.refine import refined_response
from tests.conftest import client_for
from tests.factories import CriticConfigFactory, CritiqueFactory, DatasetFactory, ItemFactory
from tests.standin.process import StandinProcess

pytestmark = pytest.mark.django_db
ANSWER = "Tom has two cats. He feeds them fish every day. They sleep on the sofa."


@pytest.fixture(scope="module")
def standin() -> Iterator[StandinProcess]:
    server = StandinProcess()
    yield server
    server.stop()


def _critic(standin: StandinProcess, items: int = 3) -> tuple[CriticConfig, list[int]]:
    critic = CriticConfigFactory.create(name="refiner", backend=Backend.OPENAI, base_url=standin.url, sampling={})
    dataset = DatasetFactory.create()
    ids = []
    for n in range(items):
        item = ItemFactory.create(dataset=dataset, kind="summary", response=ANSWER, content_hash=f"r{n:063d}")
        CritiqueFactory.create(item=item, critic=critic, chosen=True, text="He feeds them once a week, not daily.")
        ids.append(item.pk)
    return critic, ids


def test_the_reply_is_what_lies_between_the_tags() -> None:
    assert refined_response("Sure!\n<response>\nfixed text\n</response>\nHope it helps") == "fixed text"
    assert refined_response("```python\nx = 1\n```") == "x = 1"
    assert refined_response("   ") == ""


def test_refinements_are_requested_once_and_written_by_the_worker(researcher: User, standin: StandinProcess) -> None:
    critic, ids = _critic(standin)
    made = do_request_refinements(critic, ids, researcher)
    assert len(made) == 3 and do_request_refinements(critic, ids, researcher) == []  # a second click: nothing new
    assert execute_refinements(made) == 3  # what the worker does
    for refinement in Refinement.objects.filter(pk__in=made):
        assert refinement.status == "done" and "(revised)" in refinement.text and "<response>" not in refinement.text
    imported = CriticConfigFactory.create(name="imported one", backend=Backend.IMPORTED)
    with pytest.raises(RefineRefused, match="only a model server"):
        do_request_refinements(imported, ids, researcher)


def test_a_refinement_that_fails_is_recorded_not_lost(researcher: User) -> None:
    critic = CriticConfigFactory.create(name="down", backend=Backend.OPENAI, base_url="http://127.0.0.1:9/v1")
    item = ItemFactory.create(kind="summary", response=ANSWER, content_hash="f" * 64)
    CritiqueFactory.create(item=item, critic=critic, chosen=True, text="x")
    [made] = do_request_refinements(critic, [item.pk], researcher)
    assert execute_refinements([made]) == 0
    failed = Refinement.objects.get(pk=made)
    assert failed.status == "failed" and failed.error


def test_contractors_compare_originals_with_refinements_and_the_results_say_how_often_refined_wins(
    researcher: User, contractor: User, other_contractor: User, standin: StandinProcess
) -> None:
    critic, ids = _critic(standin)
    execute_refinements(do_request_refinements(critic, ids[:2], researcher))
    spec = StudySpec(name="refined?", item_ids=ids, contractors=[contractor, other_contractor], task_kind="prefer",
                     reviews_per_item=2, tasks=TaskOptions(refine_critic_id=critic.pk))  # fmt: skip
    study = do_create_study(spec, researcher)
    assert any("fewer than two responses" in problem for problem in check_launch(study))  # item 3 has none
    execute_refinements(do_request_refinements(critic, ids[2:], researcher))
    do_launch(study)
    assert Candidate.objects.filter(study=study).count() == 6
    for who in (contractor, other_contractor):
        client = client_for(who)
        while (assignment := claim_next(who, study)) is not None:
            page = client.get(reverse("task", args=[assignment.pk])).content.decode()
            assert "Which response is better?" in page and "(revised)" in page and "refiner" not in page
            comparison = assignment.comparison
            refined_second = Candidate.objects.get(pk=comparison.shown[1]).source == "refined"
            url = reverse("task-compare-answer", args=[assignment.pk])
            client.post(url, {"field": "preference", "value": "6" if refined_second else "2"})
            client.post(url, {"field": "rationale", "value": "The fix is right."})
            client.post(reverse("task-compare-submit", args=[assignment.pk]))
            assignment.refresh_from_db()
            assert assignment.status == "submitted"
    results = client_for(researcher).get(reverse("api-study-results", args=[study.pk])).json()
    [preferred] = [e for e in results["estimates"] if e["metric"] == "refined_preferred"]
    assert preferred["value"] == 1.0 and preferred["n"] == 6
    page = client_for(researcher).get(reverse("study-results", args=[study.pk])).content.decode()
    assert "Refinement judged better" in page


def test_the_study_page_asks_for_the_missing_refinements(researcher: User, standin: StandinProcess) -> None:
    critic, ids = _critic(standin, items=2)
    spec = StudySpec(
        name="page refines", item_ids=ids, task_kind="prefer", tasks=TaskOptions(refine_critic_id=critic.pk)
    )
    study = do_create_study(spec, researcher)
    client = client_for(researcher)
    assert "Write the missing refinements (2)" in client.get(reverse("study-detail", args=[study.pk])).content.decode()
    client.post(reverse("study-critiques", args=[study.pk]))
    assert Refinement.objects.filter(critic=critic, status="pending").count() == 2
    assert any("being written" in problem for problem in check_launch(study))
    execute_refinements(list(Refinement.objects.filter(critic=critic).values_list("pk", flat=True)))
    assert check_launch(study) == ["Enrol contractors."]


def test_only_a_model_server_critic_can_refine(researcher: User) -> None:
    execution = CriticConfigFactory.create(name="runs tests", backend=Backend.EXECUTION)
    item = ItemFactory.create(kind="code", response="x = 1\n", content_hash="e" * 64)
    spec = StudySpec(
        name="no", item_ids=[item.pk], task_kind="prefer", tasks=TaskOptions(refine_critic_id=execution.pk)
    )
    with pytest.raises(StudyRefused, match="model-server"):
        do_create_study(spec, researcher)
