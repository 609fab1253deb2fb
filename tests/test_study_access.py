"""Who may touch what, for every study page and endpoint and every persona; and blinding."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.studies.models import Assignment
from annotation.users import User
from tests.conftest import client_for
from tests.studies import CRITIQUE_MARK, PLANTED_MARK, World, give, make_world

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
PERSONAS = ("anonymous", "owner_contractor", "other_contractor", "owner_researcher", "other_researcher", "admin")


@pytest.fixture
def world(researcher: User, contractor: User, other_contractor: User) -> World:
    return make_world(researcher, [contractor, other_contractor])


@pytest.fixture
def clients(
    contractor: User, other_contractor: User, researcher: User, other_researcher: User, admin_user: User
) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "owner_contractor": client_for(contractor),
        "other_contractor": client_for(other_contractor),
        "owner_researcher": client_for(researcher),
        "other_researcher": client_for(other_researcher),
        "admin": client_for(admin_user),
    }


def _task_with_review(world: World, contractor: User) -> tuple[Assignment, Review]:
    task = give(world, contractor, world.assisted, world.items[0])
    client_for(contractor).get(reverse("task", args=[task.pk]))
    return task, Review.objects.get(assignment=task)


# Expected status per persona: the contractor's own task is theirs alone; for other contractors it does
# not exist; researchers and admins do not review tasks.
TASK_PAGE = {"anonymous": 302, "owner_contractor": 200, "other_contractor": 404} | dict.fromkeys(
    ("owner_researcher", "other_researcher", "admin"), 403
)
# A study belongs to its researcher; admins see all; to another researcher it does not exist.
STUDY_PAGE = {"anonymous": 302, "owner_contractor": 403, "other_contractor": 403, "owner_researcher": 200}
STUDY_PAGE |= {"other_researcher": 404, "admin": 200}
API_TASK = TASK_PAGE | {"anonymous": 403}
API_STUDY = STUDY_PAGE | {"anonymous": 403}


def _task_urls(
    task: Assignment, flaw: FlawReport, judgement: CommentJudgement
) -> list[tuple[str, str, dict[str, str], int]]:
    """(method, url, data, the owner's status) of every task page and action."""
    flaw_data = {"description": "d", "severity": "minor", "category": "other"}
    return [
        ("get", reverse("task", args=[task.pk]), {}, 200),
        ("post", reverse("task-flaw-add", args=[task.pk]), flaw_data, 200),
        ("post", reverse("task-flaw-edit", args=[task.pk, flaw.pk]), flaw_data, 200),
        ("post", reverse("task-judge", args=[task.pk, judgement.pk]), {"helpful": "true"}, 200),
        ("post", reverse("task-draft", args=[task.pk]), {"rating": "3"}, 200),
        ("post", reverse("task-time", args=[task.pk]), {"seconds": "1"}, 204),
        ("post", reverse("task-flaw-delete", args=[task.pk, flaw.pk]), {}, 200),
        ("post", reverse("task-submit", args=[task.pk]), {"rating": "3"}, 302),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_task_pages_and_actions_belong_to_their_contractor(
    world: World, contractor: User, clients: dict[str, Client], persona: str
) -> None:
    task, review = _task_with_review(world, contractor)
    flaw = FlawReport.objects.create(review=review, description="mine", severity="minor", category="other")
    judgement = CommentJudgement.objects.filter(review=review).first()
    assert judgement is not None
    client = clients[persona]
    for method, url, data, owner_status in _task_urls(task, flaw, judgement):
        response = getattr(client, method)(url, data, headers=HTMX)
        expected = owner_status if persona == "owner_contractor" else TASK_PAGE[persona]
        assert response.status_code == expected, (persona, url)
    if persona != "owner_contractor":
        review.refresh_from_db()
        assert review.status == "draft" and review.rating is None
        assert FlawReport.objects.filter(review=review).count() == 1


def test_a_contractor_cannot_reach_another_reviews_flaws_or_comments_through_their_own_task(
    world: World, contractor: User, other_contractor: User
) -> None:
    theirs, their_review = _task_with_review(world, other_contractor)
    assert theirs.contractor == other_contractor
    their_flaw = FlawReport.objects.create(
        review=their_review, description="theirs", severity="minor", category="other"
    )
    their_judgement = CommentJudgement.objects.filter(review=their_review).first()
    assert their_judgement is not None
    mine = give(world, contractor, world.assisted, world.items[1])
    client = client_for(contractor)
    client.get(reverse("task", args=[mine.pk]))
    flaw_data = {"description": "hijack", "severity": "minor", "category": "other"}
    assert client.post(reverse("task-flaw-edit", args=[mine.pk, their_flaw.pk]), flaw_data).status_code == 404
    assert client.post(reverse("task-flaw-delete", args=[mine.pk, their_flaw.pk])).status_code == 404
    assert (
        client.post(reverse("task-judge", args=[mine.pk, their_judgement.pk]), {"action": "rejected"}).status_code
        == 404
    )
    their_flaw.refresh_from_db()
    their_judgement.refresh_from_db()
    assert their_flaw.description == "theirs" and their_judgement.action == "none"


def _study_urls(world: World, review: Review) -> list[str]:
    study = world.study.pk
    return [
        reverse("study-detail", args=[study]),
        reverse("study-progress", args=[study]),
        reverse("study-reviews", args=[study]),
        reverse("review-detail", args=[review.pk]),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_study_pages_belong_to_their_researcher(
    world: World, contractor: User, clients: dict[str, Client], persona: str
) -> None:
    _, review = _task_with_review(world, contractor)
    for url in _study_urls(world, review):
        assert clients[persona].get(url).status_code == STUDY_PAGE[persona], (persona, url)
    for name in ("study-launch", "study-close", "study-release", "study-critiques", "study-ready", "study-drop-failed"):
        response = clients[persona].post(reverse(name, args=[world.study.pk]))
        expected = 302 if persona in ("owner_researcher", "admin", "anonymous") else STUDY_PAGE[persona]
        assert response.status_code == expected, (persona, name)
    world.study.refresh_from_db()
    assert world.study.status == ("closed" if persona in ("owner_researcher", "admin") else "running")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_applies_the_same_rules(
    world: World, contractor: User, clients: dict[str, Client], persona: str
) -> None:
    task, _ = _task_with_review(world, contractor)
    study = world.study.pk
    for url in (f"/api/studies/{study}/", f"/api/studies/{study}/progress/"):
        assert clients[persona].get(url).status_code == API_STUDY[persona], (persona, url)
    assert clients[persona].get(f"/api/tasks/{task.pk}/").status_code == API_TASK[persona]
    studies = clients[persona].get("/api/studies/")
    tasks = clients[persona].get("/api/tasks/")
    if persona in ("owner_researcher", "admin"):
        assert [s["id"] for s in studies.json()["results"]] == [study]
    elif persona == "other_researcher":
        assert studies.json()["results"] == []
    else:
        assert studies.status_code == 403
    if persona == "owner_contractor":
        assert [t["id"] for t in tasks.json()["results"]] == [task.pk]
    elif persona == "other_contractor":
        assert tasks.json()["results"] == []
    else:
        assert tasks.status_code == 403


def _everything_a_contractor_can_get(client: Client, task: Assignment) -> Callable[[], list[str]]:
    def collect() -> list[str]:
        pages = [
            client.get(reverse("queue")),
            client.get(reverse("task", args=[task.pk])),
            client.get("/api/tasks/"),
            client.get(f"/api/tasks/{task.pk}/"),
            client.post(
                reverse("task-flaw-add", args=[task.pk]),
                {"description": "seen", "severity": "minor", "category": "other", "start": 0, "end": 3},
                headers=HTMX,
            ),
            client.post(reverse("task-draft", args=[task.pk]), {"rating": "2"}, headers=HTMX),
        ]
        flaw = FlawReport.objects.filter(review__assignment=task).first()
        assert flaw is not None
        pages.append(
            client.post(
                reverse("task-flaw-edit", args=[task.pk, flaw.pk]),
                {"description": "seen again", "severity": "major", "category": "other"},
                headers=HTMX,
            )
        )
        pages.append(client.post(reverse("task-flaw-delete", args=[task.pk, flaw.pk]), headers=HTMX))
        pages.append(client.post("/api/tasks/next/"))
        pages.append(client.post(reverse("task-submit", args=[task.pk]), {"rating": "2"}, follow=True))
        pages.append(client.get(reverse("task", args=[task.pk])))
        for response in pages:
            assert response.status_code in (200, 204), response
        return [response.content.decode() for response in pages]

    return collect


def test_an_unassisted_contractor_never_receives_critique_text_ground_truth_or_others_work(
    world: World, contractor: User, other_contractor: User
) -> None:
    # The other contractor reviews the same item with assistance, and reports a flaw.
    theirs, their_review = _task_with_review(world, other_contractor)
    assert theirs.contractor == other_contractor
    FlawReport.objects.create(
        review=their_review, description="OTHER-REVIEWER-FLAW", severity="minor", category="other"
    )
    mine = give(world, contractor, world.unassisted, world.items[0])
    for body in _everything_a_contractor_can_get(client_for(contractor), mine)():
        assert CRITIQUE_MARK not in body
        assert PLANTED_MARK not in body
        assert "OTHER-REVIEWER-FLAW" not in body
        assert "Assisted" not in body and world.critic.name not in body  # nor which arm they are in
    assert mine.pk != theirs.pk


def test_an_assisted_contractor_sees_the_critique_but_never_ground_truth(
    world: World, contractor: User, other_contractor: User
) -> None:
    mine = give(world, contractor, world.assisted, world.items[0])
    bodies = _everything_a_contractor_can_get(client_for(contractor), mine)()
    assert CRITIQUE_MARK in bodies[1]
    assert f"{CRITIQUE_MARK} 0.0" in bodies[3]  # the API shows the same comments
    for body in bodies:
        assert PLANTED_MARK not in body
