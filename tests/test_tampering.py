"""Tampering tasks on the server: edit, describe, test in the sandbox, submit into a new dataset,
the researcher's review, and the critic's three-sample check (with the execution critic, which
needs no model server)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.datasets.models import Dataset, PlantedFlaw
from annotation.labeling.queue import claim_next
from annotation.studies.lifecycle import StudyRefused, StudySpec, do_create_study, select_item_ids
from annotation.studies.models import Assignment, Study
from annotation.studies.task_options import TaskOptions
from annotation.tampering.checks import refresh_critic_check
from annotation.tampering.models import Tamper
from annotation.tampering.testing import execute_tests
from annotation.tampering.work import regions
from annotation.users import User
from assist.models import Backend
from assist.pipeline import execute_run
from tests.comparisons import SOLUTION, tamper_study
from tests.conftest import client_for
from tests.factories import CriticConfigFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_the_diff_gives_each_planted_flaw_its_span_and_lines() -> None:
    tampered = "def add(a, b):\n    return a - b\n"
    [region] = regions(SOLUTION, tampered)
    assert tampered[region.start : region.end] == "-" and (region.line_start, region.line_end) == (2, 2)
    [line] = regions(SOLUTION, tampered, by_lines=True)
    assert tampered[line.start : line.end] == "    return a - b" and (line.line_start, line.line_end) == (2, 2)
    [inserted] = regions("a\nb\n", "a\nx\ny\nb\n", by_lines=True)
    assert (inserted.line_start, inserted.line_end) == (2, 3)
    [dropped] = regions("a\nb\nc\n", "a\nc\n", by_lines=True)
    assert (dropped.line_start, dropped.line_end) == (2, 2)
    removed = regions("a\nb\nc\n", "a\nc\n")
    assert len(removed) == 1 and 1 <= removed[0].line_start <= removed[0].line_end <= 2  # where the line was
    assert len(regions("x = 1\ny = 2\nz = 3\n", "x = 0\ny = 2\nz = 4\n")) == 2
    assert regions(SOLUTION, SOLUTION) == []


def test_a_tamper_from_edit_to_an_accepted_item(researcher: User, contractor: User) -> None:
    study = tamper_study(researcher, [contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    page = client.get(reverse("task", args=[assignment.pk])).content.decode()
    assert "Plant a subtle flaw" in page and "return a + b" in page
    submit = reverse("task-tamper-submit", args=[assignment.pk])
    refused = client.post(submit, follow=True).content.decode()
    assert "Change the response" in refused and "Describe each flaw" in refused
    panel = client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": SOLUTION.replace("+", "-")})
    assert "- " in panel.content.decode() and "return a - b" in panel.content.decode()
    added = client.post(
        reverse("task-tamper-flaw-add", args=[assignment.pk]),
        {"description": "", "severity": "major", "category": "bug"},
    )
    assert "Say what you changed" in added.content.decode()
    client.post(
        reverse("task-tamper-flaw-add", args=[assignment.pk]),
        {"description": "Subtracts instead of adding", "severity": "critical", "category": "bug", "location": "line 2"},
    )
    assert "Run the tests on this version first" in client.post(submit, follow=True).content.decode()
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))
    tamper = Tamper.objects.get(assignment=assignment)
    assert tamper.tests["state"] == "running"
    assert execute_tests(tamper.pk, tamper.tests["for"]) == "failed"  # what the worker does
    shown = client.get(reverse("task-tamper-panel", args=[assignment.pk])).content.decode()
    assert "The tests now fail" in shown
    assert client.post(submit).status_code == 302
    tamper.refresh_from_db()
    assert tamper.status == "submitted" and tamper.item is not None
    item = tamper.item
    assert item.dataset.name.startswith(f"tampered by {researcher.pk}") and item.response == SOLUTION.replace("+", "-")
    [flaw] = PlantedFlaw.objects.filter(item=item)
    assert (flaw.origin, flaw.severity, flaw.line_start, item.response[flaw.start : flaw.end]) == (
        "tampering",
        "critical",
        2,
        "    return a - b",
    )
    expected = {"review": "pending", "tests_catch": True, "contractor_id": contractor.pk}
    assert expected.items() <= item.metadata["tamper"].items()
    # Not usable in a study until the researcher accepts it.
    assert item.pk not in select_item_ids(StudySpec(name="x", datasets=[item.dataset]))
    review = client_for(researcher).get(reverse("study-tampers", args=[study.pk])).content.decode()
    assert "Subtracts instead of adding" in review and "now fail" in review
    client_for(researcher).post(reverse("study-tamper-review", args=[study.pk, tamper.pk]), {"verdict": "accepted"})
    assert select_item_ids(StudySpec(name="x", datasets=[item.dataset])) == [item.pk]


def test_a_tamper_the_tests_do_not_catch_is_allowed_and_marked(researcher: User, contractor: User) -> None:
    study = tamper_study(researcher, [contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    client.get(reverse("task", args=[assignment.pk]))
    sneaky = "def add(a, b):\n    if a == 1000:\n        return 0\n    return a + b\n"
    client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": sneaky})
    client.post(
        reverse("task-tamper-flaw-add", args=[assignment.pk]),
        {"description": "Wrong for a = 1000", "severity": "major", "category": "bug"},
    )
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))
    tamper = Tamper.objects.get(assignment=assignment)
    assert execute_tests(tamper.pk, tamper.tests["for"]) == "passed"
    assert (
        "the tests do not catch it" in client.get(reverse("task-tamper-panel", args=[assignment.pk])).content.decode()
    )
    client.post(reverse("task-tamper-submit", args=[assignment.pk]))
    tamper.refresh_from_db()
    assert tamper.item is not None and tamper.item.metadata["tamper"]["tests_catch"] is False
    [flaw] = PlantedFlaw.objects.filter(item=tamper.item)
    assert (flaw.line_start, flaw.line_end) == (2, 3)


def test_an_edit_after_the_tests_ran_makes_their_result_stale(researcher: User, contractor: User) -> None:
    study = tamper_study(researcher, [contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    client.get(reverse("task", args=[assignment.pk]))
    client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": SOLUTION.replace("+", "*")})
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))
    version = Tamper.objects.get(assignment=assignment).tests["for"]
    client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": SOLUTION.replace("+", "-")})
    assert execute_tests(Tamper.objects.get(assignment=assignment).pk, version).startswith("stale")
    assert (
        "have not run on this version"
        in client.get(reverse("task-tamper-panel", args=[assignment.pk])).content.decode()
    )


@pytest.mark.django_db(transaction=True)  # the worker's writer thread has its own connection
def test_the_critic_critiques_a_submitted_tamper_three_times_and_the_tamperer_sees_the_result(
    researcher: User, contractor: User
) -> None:
    critic = CriticConfigFactory.create(name="execution checker", backend=Backend.EXECUTION, sampling={})
    study = tamper_study(researcher, [contractor], critic_id=critic.pk)
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    client.get(reverse("task", args=[assignment.pk]))
    client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": SOLUTION.replace("a + b", "a + b + c")})
    client.post(
        reverse("task-tamper-flaw-add", args=[assignment.pk]),
        {"description": "Subtracts", "severity": "critical", "category": "bug"},
    )
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))
    tamper = Tamper.objects.get(assignment=assignment)
    execute_tests(tamper.pk, tamper.tests["for"])
    client.post(reverse("task-tamper-submit", args=[assignment.pk]))
    tamper.refresh_from_db()
    assert tamper.critic_check["state"] == "running"
    execute_run(tamper.critic_check["run"], "test-worker")  # what the worker does
    check = refresh_critic_check(tamper)
    assert check["state"] == "done" and int(str(check["samples"])) >= 1 and check["caught_every_time"] is True
    tamper.refresh_from_db()
    assert tamper.critic_check == check  # stored
    page = client.get(reverse("task", args=[assignment.pk])).content.decode()
    assert f"Caught in {check['caught_count']} of {check['samples']}" in page


def test_a_tamper_study_needs_a_new_dataset_name(researcher: User) -> None:
    Dataset.objects.create(name="taken")
    item = ItemFactory.create(kind="code", response=SOLUTION, content_hash="u" * 64)
    spec = StudySpec(name="t", item_ids=[item.pk], task_kind="tamper", tasks=TaskOptions(tamper_dataset="taken"))
    with pytest.raises(StudyRefused, match="already exists"):
        do_create_study(spec, researcher)
    assert not Study.objects.filter(name="t").exists()  # nothing half-made


def test_hostile_tamper_input_is_refused_not_a_500(researcher: User, contractor: User) -> None:
    study = tamper_study(researcher, [contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    client.get(reverse("task", args=[assignment.pk]))
    url = reverse("task-tamper-text", args=[assignment.pk])
    assert "at most" in client.post(url, {"text": "x" * 200_001}).content.decode()
    assert "NUL" in client.post(url, {"text": "a\x00b"}).content.decode()
    bad = client.post(
        reverse("task-tamper-flaw-add", args=[assignment.pk]),
        {"description": "d", "severity": "apocalyptic", "category": "nonsense", "location": "y" * 300},
    )
    assert bad.status_code == 200 and "Choose critical" in bad.content.decode()
    assert client.post(reverse("task-tamper-flaw-delete", args=[assignment.pk, 999999])).status_code == 200


def test_the_api_summarises_a_tampering_study(researcher: User, contractor: User) -> None:
    study = tamper_study(researcher, [contractor])
    summary = client_for(researcher).get(reverse("api-study-results", args=[study.pk])).json()
    assert summary["task_kind"] == "tamper" and summary["tampers"] == 0 and summary["by_review"]["pending"] == 0
    assert client_for(researcher).get(reverse("study-results", args=[study.pk])).status_code == 302


def test_the_submit_carries_the_last_keystrokes_and_a_lost_test_run_can_be_asked_again(
    researcher: User, contractor: User
) -> None:
    study = tamper_study(researcher, [contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client = client_for(contractor)
    client.get(reverse("task", args=[assignment.pk]))
    flaw = {"description": "Off by one", "severity": "minor", "category": "bug", "location": "line 2"}
    client.post(reverse("task-tamper-flaw-add", args=[assignment.pk]), flaw)
    client.post(reverse("task-tamper-text", args=[assignment.pk]), {"text": SOLUTION.replace("b\n", "b + 1\n")})
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))
    tamper = Tamper.objects.get(assignment=assignment)
    Tamper.objects.filter(pk=tamper.pk).update(tests=tamper.tests | {"asked": "2020-01-01T00:00:00+00:00"})
    assert (
        "have not run on this version"
        in client.get(reverse("task-tamper-panel", args=[assignment.pk])).content.decode()
    )
    client.post(reverse("task-tamper-tests", args=[assignment.pk]))  # asked again
    tamper.refresh_from_db()
    execute_tests(tamper.pk, tamper.tests["for"])
    # Typed after the tests ran, not yet autosaved: the submit sends it, and it needs its own test run.
    newer = SOLUTION.replace("b\n", "b + 2\n")
    refused = client.post(reverse("task-tamper-submit", args=[assignment.pk]), {"text": newer}, follow=True)
    assert "Run the tests on this version first" in refused.content.decode()
    tamper.refresh_from_db()
    assert tamper.text == newer and tamper.status == "draft"


def test_a_released_task_is_no_longer_its_first_contractors_to_change(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    study = tamper_study(researcher, [contractor, other_contractor])
    assignment = claim_next(contractor, study)
    assert assignment is not None
    client_for(contractor).get(reverse("task", args=[assignment.pk]))
    from annotation.labeling.queue import do_skip
    from annotation.tampering.work import TamperLocked, do_save_text

    do_skip(assignment, "cannot_judge", "")
    Assignment.objects.filter(pk=assignment.pk).update(contractor=other_contractor, status="active")
    taken = Assignment.objects.get(pk=assignment.pk)
    client_for(other_contractor).get(reverse("task", args=[taken.pk]))
    with pytest.raises(TamperLocked):
        do_save_text(assignment, "mine")  # the first contractor's stale view of the task
    assert Tamper.objects.get(assignment=taken).text == SOLUTION


def test_a_tamper_study_starts_from_correct_responses(researcher: User) -> None:
    from annotation.studies.lifecycle import check_launch
    from tests.factories import PlantedFlawFactory

    item = ItemFactory.create(kind="code", response=SOLUTION, tests="", content_hash="w" * 64)
    PlantedFlawFactory.create(item=item, description="already flawed")
    spec = StudySpec(name="flawed", item_ids=[item.pk], task_kind="tamper", tasks=TaskOptions(tamper_dataset="fresh"))
    created = do_create_study(spec, researcher)
    problems = check_launch(created)
    assert any("already have planted flaws" in p for p in problems) and any("no tests" in p for p in problems)
