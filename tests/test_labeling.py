"""The labeling page's actions: flaws, AI comment verdicts, autosave, submit, active time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.labeling.queue import claim_next, do_release_abandoned
from annotation.studies.models import Assignment
from annotation.users import User
from tests.conftest import client_for
from tests.studies import CRITIQUE_MARK, World, give, make_world

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(researcher: User, contractor: User, other_contractor: User) -> World:
    return make_world(researcher, [contractor, other_contractor])


def open_task(client: Client, assignment: Assignment) -> str:
    response = client.get(reverse("task", args=[assignment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_assisted_task_records_exactly_the_comments_shown(world: World, contractor: User) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    html = open_task(client_for(contractor), task)
    review = Review.objects.get(assignment=task)
    assert review.critique == world.critiques[0]
    shown = list(CommentJudgement.objects.filter(review=review).values_list("shown_text", "shown_grounded", "action"))
    assert shown == [(f"{CRITIQUE_MARK} 0.0", True, "none"), (f"{CRITIQUE_MARK} 0.1", False, "none")]
    assert f"{CRITIQUE_MARK} 0.0" in html and "quote not found" in html
    open_task(client_for(contractor), task)
    assert CommentJudgement.objects.filter(review=review).count() == 2  # reopening records nothing new


def test_an_unassisted_task_has_no_critique_panel(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    html = open_task(client_for(contractor), task)
    assert CRITIQUE_MARK not in html and "AI critique" not in html
    assert not CommentJudgement.objects.exists()
    assert Review.objects.get(assignment=task).critique is None


def test_a_flaw_from_a_selection_is_saved_with_its_quote(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    data = {"description": "Not a cat", "severity": "critical", "category": "accuracy", "start": 4, "end": 7}
    response = client.post(reverse("task-flaw-add", args=[task.pk]), data, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "flaw-added"
    assert "Not a cat" in response.content.decode()
    report = FlawReport.objects.get()
    assert (report.quote, report.severity, report.start, report.end) == ("cat", "critical", 4, 7)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": 4, "end": 999}, "start", "The span 4-999 is outside the response."),
        ({"start": 4}, "start", "A span needs both a start and an end."),
        ({"category": "bug"}, "category", "Choose one of accuracy, coverage, coherence, other."),
        ({"description": "  "}, "description", "Say what is wrong."),
        ({"line_start": 5}, "line_start", "Lines 5-5 are outside the response (1-1)."),
    ],
)
def test_a_bad_flaw_is_refused_naming_the_field(
    world: World, contractor: User, data: dict[str, object], field: str, message: str
) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    body = {"description": "x", "severity": "major", "category": "accuracy"} | data
    response = client.post(reverse("task-flaw-add", args=[task.pk]), body, headers=HTMX)
    assert response["HX-Trigger"] == "flaw-rejected"
    assert f"<strong>{field}</strong>: {message}" in response.content.decode()
    assert not FlawReport.objects.exists()


def test_accepting_a_comment_prefills_a_flaw_and_editing_it_is_remembered(world: World, contractor: User) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    grounded, ungrounded = CommentJudgement.objects.order_by("position")
    url = reverse("task-judge", args=[task.pk, grounded.pk])
    response = client.post(url, {"action": "accepted"}, headers=HTMX)
    assert 'id="critique" class="card critique-panel" aria-labelledby="critique-h" hx-swap-oob="true"' in (
        response.content.decode()
    )
    report = FlawReport.objects.get()
    assert (report.source_comment_id, report.start, report.end, report.quote) == (grounded.comment_id, 4, 11, "cat sat")
    assert (report.description, report.edited) == (f"{CRITIQUE_MARK} 0.0", False)
    client.post(url, {"action": "accepted"}, headers=HTMX)
    assert FlawReport.objects.count() == 1  # accepting twice is accepting once
    client.post(
        reverse("task-flaw-edit", args=[task.pk, report.pk]),
        {"description": "Sharper wording", "severity": "major", "category": "accuracy"},
        headers=HTMX,
    )
    report.refresh_from_db()
    assert report.edited and report.from_ai
    client.post(
        reverse("task-judge", args=[task.pk, ungrounded.pk]), {"action": "rejected", "helpful": "false"}, headers=HTMX
    )
    client.post(url, {"helpful": "true"}, headers=HTMX)
    verdicts = list(CommentJudgement.objects.order_by("position").values_list("action", "helpful"))
    assert verdicts == [("accepted", True), ("rejected", False)]
    client.post(url, {"action": "nitpick"}, headers=HTMX)
    assert not FlawReport.objects.exists()  # changing one's mind withdraws the accepted report


def test_deleting_an_accepted_report_takes_the_acceptance_back(world: World, contractor: User) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    judgement = CommentJudgement.objects.order_by("position").first()
    assert judgement is not None
    client.post(reverse("task-judge", args=[task.pk, judgement.pk]), {"action": "accepted"}, headers=HTMX)
    report = FlawReport.objects.get()
    client.post(reverse("task-flaw-delete", args=[task.pk, report.pk]), headers=HTMX)
    judgement.refresh_from_db()
    assert judgement.action == "none" and not FlawReport.objects.exists()


def test_drafts_autosave_and_come_back_on_reload(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    response = client.post(
        reverse("task-draft", args=[task.pk]), {"rating": "5", "free_text": "half done"}, headers=HTMX
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    html = open_task(client, task)
    assert 'value="5" checked' in html and "half done</textarea>" in html
    bad = client.post(reverse("task-draft", args=[task.pk]), {"rating": "9"}, headers=HTMX)
    assert "Not saved" in bad.content.decode()
    assert Review.objects.get().rating == 5


def test_submit_is_idempotent_and_freezes_the_review(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    refused = client.post(reverse("task-submit", args=[task.pk]), {"free_text": ""})
    assert refused.status_code == 302 and refused["Location"] == reverse("task", args=[task.pk])
    assert "Give an overall rating" in open_task(client, task)
    for _ in range(3):  # a double click and a retry
        response = client.post(reverse("task-submit", args=[task.pk]), {"rating": "6", "free_text": "done"})
        assert response.status_code == 302 and response["Location"] == reverse("queue") + "?submitted=1"
    review = Review.objects.get()
    assert (review.status, review.rating, Review.objects.count()) == ("submitted", 6, 1)
    task.refresh_from_db()
    assert task.status == "submitted" and task.submitted_at is not None
    late = client.post(
        reverse("task-flaw-add", args=[task.pk]),
        {"description": "x", "severity": "major", "category": "other"},
        headers=HTMX,
    )
    assert late["HX-Redirect"] == reverse("task", args=[task.pk])
    client.post(reverse("task-draft", args=[task.pk]), {"rating": "1"}, headers=HTMX)
    assert not FlawReport.objects.exists() and Review.objects.get().rating == 6
    assert "can no longer change" in open_task(client, task)


def test_active_time_adds_up_is_capped_and_stops_after_submit(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    url = reverse("task-time", args=[task.pk])
    assert client.post(url, {"seconds": "12.5"}).status_code == 204
    client.post(url, {"seconds": "10000"})
    assert client.post(url, {"seconds": "-3"}).status_code == 400
    task.refresh_from_db()
    assert task.active_seconds == pytest.approx(312.5)
    Assignment.objects.filter(pk=task.pk).update(status="submitted")
    client.post(url, {"seconds": "30"})
    task.refresh_from_db()
    assert task.active_seconds == pytest.approx(312.5)


def test_the_queue_hands_out_the_next_task_and_counts_progress(world: World, contractor: User) -> None:
    first = give(world, contractor, world.unassisted, world.items[0], order=0)
    second = give(world, contractor, world.unassisted, world.items[1], order=1)
    Assignment.objects.filter(pk__in=[first.pk, second.pk]).update(status="pending", started_at=None)
    client = client_for(contractor)
    html = client.get(reverse("queue")).content.decode()
    assert "0 done · 2 left" in html and "Start next task" in html
    response = client.post(reverse("task-next"))
    assert response["Location"] == reverse("task", args=[first.pk])
    assert client.post(reverse("task-next"))["Location"] == reverse("task", args=[first.pk])  # unfinished first
    client.post(reverse("task-draft", args=[first.pk]), {"rating": "4"}, headers=HTMX)
    client.post(reverse("task-submit", args=[first.pk]), {"rating": "4"})
    assert "1 done · 1 left" in client.get(reverse("queue")).content.decode()
    assert client.post(reverse("task-next"))["Location"] == reverse("task", args=[second.pk])
    client.post(reverse("task-submit", args=[second.pk]), {"rating": "4"})
    done = client.post(reverse("task-next"), follow=True)
    assert "No tasks left for you right now" in done.content.decode()


def test_a_released_task_reaches_the_next_contractor_without_the_abandoned_draft(
    world: World, contractor: User, other_contractor: User
) -> None:
    world.study.design = "within"  # released tasks may go to any enrolled contractor who has not seen the item
    world.study.save(update_fields=("design",))
    task = give(world, contractor, world.assisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    client.post(
        reverse("task-flaw-add", args=[task.pk]),
        {"description": "ABANDONED-DRAFT-FLAW", "severity": "minor", "category": "other"},
        headers=HTMX,
    )
    client.post(reverse("task-time", args=[task.pk]), {"seconds": "40"})
    Assignment.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert do_release_abandoned(world.study) == 1
    assert not Review.objects.filter(assignment=task).exists() and not FlawReport.objects.exists()
    assert client.get(reverse("task", args=[task.pk])).status_code == 404
    claimed = claim_next(other_contractor)
    assert claimed is not None and claimed.pk == task.pk and claimed.active_seconds == 0
    html = open_task(client_for(other_contractor), claimed)
    assert "ABANDONED-DRAFT-FLAW" not in html
    assert CommentJudgement.objects.filter(review__assignment=task).count() == 2  # shown afresh to the new reviewer


def test_queued_tasks_open_only_when_next_task_hands_them_out(world: World, contractor: User) -> None:
    queued = give(world, contractor, world.assisted, world.items[0])
    Assignment.objects.filter(pk=queued.pk).update(status="pending", started_at=None)
    client = client_for(contractor)
    assert client.get(reverse("task", args=[queued.pk])).status_code == 404
    assert client.get(f"/api/tasks/{queued.pk}/").status_code == 404
    assert not CommentJudgement.objects.exists()  # nothing was shown
    client.post(reverse("task-next"))
    assert client.get(reverse("task", args=[queued.pk])).status_code == 200


def test_a_closed_study_freezes_unfinished_reviews(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    world.study.status = "closed"
    world.study.save(update_fields=("status",))
    late = client.post(
        reverse("task-flaw-add", args=[task.pk]),
        {"description": "x", "severity": "major", "category": "other"},
        headers=HTMX,
    )
    assert late["HX-Redirect"] == reverse("task", args=[task.pk])
    refused = client.post(reverse("task-submit", args=[task.pk]), {"rating": "5"}, follow=True).content.decode()
    assert "The study is closed: this review can no longer change." in refused
    assert Review.objects.get().status == "draft" and not FlawReport.objects.exists()


def test_a_bad_rating_on_submit_says_so_and_submits_nothing(world: World, contractor: User) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    client = client_for(contractor)
    open_task(client, task)
    page = client.post(reverse("task-submit", args=[task.pk]), {"rating": "9"}, follow=True).content.decode()
    assert "Not submitted:" in page and "rating" in page
    assert Review.objects.get().status == "draft"


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_make_one_review_and_no_error(researcher: User, contractor: User) -> None:
    world = make_world(researcher, [contractor])
    task = give(world, contractor, world.unassisted, world.items[0])
    open_task(client_for(contractor), task)
    clients = [client_for(contractor) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(reverse("task-submit", args=[task.pk]), {"rating": "3"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 4
    review = Review.objects.get(assignment=task)
    assert (review.status, review.rating) == ("submitted", 3)


@pytest.mark.parametrize("first", ["draft", "flaw", "submit"])
def test_a_change_before_the_page_ever_opened_opens_the_review_as_the_page_would(
    world: World, contractor: User, first: str
) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    client = client_for(contractor)
    if first == "draft":
        assert client.post(reverse("task-draft", args=[task.pk]), {"rating": 5}).status_code == 200
    elif first == "flaw":
        flaw = {"description": "wrong", "severity": "major", "category": "accuracy", "start": 0, "end": 3}
        assert client.post(reverse("task-flaw-add", args=[task.pk]), flaw).status_code == 200
    else:
        assert client.post(reverse("task-submit", args=[task.pk]), {"rating": 5}).status_code == 302
    review = Review.objects.get(assignment=task)
    assert review.critique == world.critiques[0]  # the critique it was shown is recorded, as on opening
    assert CommentJudgement.objects.filter(review=review).count() == 2
    assert review.rating == (None if first == "flaw" else 5)
    assert FlawReport.objects.filter(review=review).count() == (1 if first == "flaw" else 0)
    assert review.status == ("submitted" if first == "submit" else "draft")
