"""The study flow a researcher and a contractor go through: failed critiques, generating them once,
what the task list shows, closing with confirmation."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from annotation.labeling.models import Review, Skip
from annotation.labeling.queue import claim_next
from annotation.studies.lifecycle import StudyRefused, check_launch, do_drop_failed_items, do_generate_missing_critiques
from annotation.studies.models import Assignment, Enrollment, StudyItem
from annotation.users import User
from assist.models import CritiqueRun, CritiqueRunItem, RunStatus
from tests.conftest import client_for
from tests.studies import RESPONSE, World, give, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher: User, contractor: User) -> World:
    return make_world(researcher, [contractor], items=3)


def _setting_up(world: World) -> None:
    world.study.status = "draft"
    world.study.save(update_fields=["status"])


def _fail_critique(world: World, index: int, reason: str) -> None:
    item = world.items[index]
    world.critiques[index].delete()
    run = CritiqueRun.objects.create(critic=world.critic, status=RunStatus.DONE, total=1, failed=1)
    CritiqueRunItem.objects.create(run=run, item=item, status="failed", error=reason)


def test_the_task_list_carries_no_text_of_a_queued_task(world: World, contractor: User) -> None:
    started = give(world, contractor, world.unassisted, world.items[0])
    queued = Assignment.objects.create(
        study=world.study, item=world.items[1], arm=world.unassisted, contractor=contractor, order=1
    )
    tasks = {t["id"]: t for t in client_for(contractor).get("/api/tasks/").json()["results"]}
    assert tasks[queued.pk]["status"] == "pending"
    assert tasks[queued.pk]["item"] is None
    assert tasks[started.pk]["item"]["response"] == RESPONSE


def test_a_failed_critique_is_named_with_its_reason_and_can_be_dropped(
    world: World, researcher: User, researcher_client: Client
) -> None:
    _setting_up(world)
    _fail_critique(world, 1, "no usable critique: the output was cut off at max_tokens")
    problems = " ".join(check_launch(world.study))
    assert "failed" in problems and "drop" in problems
    page = researcher_client.get(reverse("study-detail", args=[world.study.pk])).content.decode()
    assert "cut off at max_tokens" in page and "Drop the items whose critique failed" in page

    response = researcher_client.post(reverse("study-drop-failed", args=[world.study.pk]), follow=True)
    assert "Dropped 1 item" in response.content.decode()
    world.study.refresh_from_db()
    assert [d["item"] for d in world.study.dropped_items] == [world.items[1].pk]
    assert world.study.dropped_items[0]["reason"].startswith("no usable critique")
    assert world.study.dropped_items[0]["by"] == researcher.username
    assert not StudyItem.objects.filter(study=world.study, item=world.items[1]).exists()
    assert not any("critique" in problem for problem in check_launch(world.study))
    with pytest.raises(StudyRefused):
        do_drop_failed_items(world.study, researcher)  # nothing left to drop


def test_dropping_through_the_api_is_refused_after_launch(world: World, researcher_client: Client) -> None:
    _fail_critique(world, 0, "timeout")
    response = researcher_client.post(f"/api/studies/{world.study.pk}/drop-failed/")
    assert response.status_code == 409
    assert "before launch" in response.json()["detail"]


def test_generating_the_missing_critiques_twice_starts_one_run(world: World, researcher: User) -> None:
    _setting_up(world)
    world.critic.backend, world.critic.base_url = "openai", "http://critic:8000/v1"
    world.critic.save(update_fields=["backend", "base_url"])
    for critique in world.critiques:
        critique.delete()
    first, refused = do_generate_missing_critiques(world.study, researcher)
    assert len(first) == 1 and refused == []
    second, _ = do_generate_missing_critiques(world.study, researcher)
    assert second == []
    assert CritiqueRun.objects.filter(critic=world.critic).count() == 1
    assert CritiqueRunItem.objects.filter(run_id=first[0]).count() == 3


def test_closing_a_study_asks_first(world: World, researcher_client: Client) -> None:
    url = reverse("study-close", args=[world.study.pk])
    page = researcher_client.get(url)
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()
    world.study.refresh_from_db()
    assert world.study.status == "running"
    researcher_client.post(url)
    world.study.refresh_from_db()
    assert world.study.status == "closed"


HTMX = {"HX-Request": "true"}


def test_a_skipped_task_goes_back_to_the_pool_for_someone_else(
    world: World, contractor: User, other_contractor: User
) -> None:
    world.study.design = "within"
    world.study.save(update_fields=["design"])
    Enrollment.objects.create(study=world.study, contractor=other_contractor)
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    client.get(reverse("task", args=[task.pk]))
    client.post(reverse("task-draft", args=[task.pk]), {"rating": "3"}, headers=HTMX)
    refused = client.post(reverse("task-skip", args=[task.pk]), {"reason": "bored"}, follow=True)
    assert "Not skipped" in refused.content.decode()
    response = client.post(reverse("task-skip", args=[task.pk]), {"reason": "cannot_judge", "note": "not my field"})
    assert response.status_code == 302
    skip = Skip.objects.get()
    assert (skip.contractor, skip.item, skip.reason, skip.note) == (
        contractor,
        world.items[0],
        "cannot_judge",
        "not my field",
    )
    task.refresh_from_db()
    assert (task.status, task.contractor, task.releases) == ("pending", None, 1)
    assert not Review.objects.filter(assignment=task).exists()  # the draft went with the skip
    assert claim_next(contractor) is None  # never handed back to whoever skipped it
    taken = claim_next(other_contractor)
    assert taken is not None and taken.pk == task.pk


def test_the_task_api_skips_too(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    assert client.post(f"/api/tasks/{task.pk}/skip/", {"reason": "nope"}).status_code == 400
    answer = client.post(f"/api/tasks/{task.pk}/skip/", {"reason": "unclear"})
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert client.post(f"/api/tasks/{task.pk}/skip/", {"reason": "unclear"}).status_code == 404  # no longer theirs


def test_after_submit_the_next_task_opens_and_the_counter_is_right(world: World, contractor: User) -> None:
    first = give(world, contractor, world.unassisted, world.items[0], order=0)
    second = give(world, contractor, world.unassisted, world.items[1], order=1)
    Assignment.objects.filter(pk=second.pk).update(status="pending", started_at=None)
    client = client_for(contractor)
    page = client.get(reverse("task", args=[first.pk])).content.decode()
    assert (
        "Task 1 of 2" in page and '<details class="card instructions" open>' not in page
    ) or "Instructions" not in page
    response = client.post(reverse("task-submit", args=[first.pk]), {"rating": "5"})
    assert response["Location"] == reverse("task", args=[second.pk])
    assert "Task 2 of 2" in client.get(reverse("task", args=[second.pk])).content.decode()
    assert "Task 1 of 2" in client.get(reverse("task", args=[first.pk])).content.decode()  # submitted: keeps its number
    last = client.post(reverse("task-submit", args=[second.pk]), {"rating": "5"}, follow=True).content.decode()
    assert "last task for now" in last
    assert "Start next task" not in last and "every task there is for you" in last


def test_the_instructions_are_open_on_the_first_task_only(world: World, contractor: User) -> None:
    world.study.instructions = "Read the *passage* first."
    world.study.save(update_fields=["instructions"])
    first = give(world, contractor, world.unassisted, world.items[0], order=0)
    client = client_for(contractor)
    assert '<details class="card instructions" open>' in client.get(reverse("task", args=[first.pk])).content.decode()
    client.post(reverse("task-submit", args=[first.pk]), {"rating": "5"})
    second = give(world, contractor, world.unassisted, world.items[1], order=1)
    page = client.get(reverse("task", args=[second.pk])).content.decode()
    assert '<details class="card instructions" >' in page or '<details class="card instructions">' in page


def test_a_change_refused_because_the_study_closed_says_so(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    client.get(reverse("task", args=[task.pk]))
    world.study.status = "closed"
    world.study.save(update_fields=["status"])
    state = client.post(reverse("task-draft", args=[task.pk]), {"rating": "3"}, headers=HTMX).content.decode()
    assert "Not saved" in state and "closed" in state and 'class="small error"' in state
    refused = client.post(
        reverse("task-flaw-add", args=[task.pk]),
        {"description": "x", "severity": "major", "category": "other"},
        headers=HTMX,
    )
    assert refused["HX-Redirect"] == reverse("task", args=[task.pk])
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert 'class="error" role="alert"' in page and "Not saved: The study is closed" in page


def test_error_pages_are_pages_with_a_way_back(contractor_client: Client) -> None:
    forbidden = contractor_client.get(reverse("study-list"))
    assert forbidden.status_code == 403
    assert "You may not open this page" in forbidden.content.decode() and 'href="/"' in forbidden.content.decode()
    missing = contractor_client.get("/no/such/page/")
    assert missing.status_code == 404 and "Nothing here" in missing.content.decode()
    crashed = server_error(RequestFactory().get("/"))
    assert crashed.status_code == 500 and "Something went wrong on our side" in crashed.content.decode()


def test_format_suffixes_are_not_routes(world: World, researcher_client: Client) -> None:
    for url in (f"/api/studies/{world.study.pk}/results.json", "/api/tasks/next.json", "/api/critics.json"):
        assert researcher_client.get(url).status_code == 404, url


def test_numbers_beyond_what_postgres_holds_are_refused_not_a_500(world: World, researcher_client: Client) -> None:
    study = {"name": "big", "datasets": [world.items[0].dataset_id], "seed": 2**70}
    answer = researcher_client.post("/api/studies/", study, content_type="application/json")
    assert answer.status_code == 400 and "seed" in answer.json()
    answer = researcher_client.post(
        "/api/studies/", study | {"seed": 1, "time_limit_s": 10**12}, content_type="application/json"
    )
    assert answer.status_code == 400 and "time_limit_s" in answer.json()
    answer = researcher_client.post(
        f"/api/studies/{world.study.pk}/adjudications/",
        {"report": 10**30, "verdict": "valid"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "report" in answer.json()
    page = researcher_client.post(reverse("study-new"), {"name": "big", "seed": str(2**70)})
    assert page.status_code == 400
