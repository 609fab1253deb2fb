"""Joining from Prolific: the link's parameters checked by name, a contractor account per participant
and study (no password), their tasks and nothing else, a completion code at the end (or a screen-out
code), ids in the export; and the researcher's form for the link."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from annotation.crowd.models import Participant, StudyLink
from annotation.quality.models import QualityPlan
from annotation.results.exporting.export import do_export
from annotation.studies.lifecycle import do_launch
from annotation.studies.models import Assignment, Enrollment
from annotation.users import User
from tests.conftest import client_for
from tests.crowd import add_checks
from tests.studies import World, make_world

pytestmark = pytest.mark.django_db
PID, SESSION = "5f1a2b3c4d5e6f7a8b9c0d1e", "6a7b8c9d0e1f2a3b4c5d6e7f"


def _study(researcher: User, *, per_contractor: int = 2) -> tuple[World, StudyLink]:
    world = make_world(researcher, [], items=3)
    world.study.status, world.study.pooled, world.study.design = "draft", True, "within"
    world.study.tasks_per_contractor = per_contractor
    world.study.save(update_fields=("status", "pooled", "design", "tasks_per_contractor"))
    do_launch(world.study)
    link = StudyLink.objects.create(study=world.study, completion_code="C0MPLETE", screenout_code="SCREEN0UT")
    return world, link


def _url(link: StudyLink, **params: str | None) -> str:
    query = {"PROLIFIC_PID": PID, "STUDY_ID": "abc123", "SESSION_ID": SESSION} | params
    return reverse("join", args=[link.token]) + "?" + urlencode({k: v for k, v in query.items() if v is not None})


def _join(client: Client, link: StudyLink, **params: str) -> str:
    page = client.get(_url(link, **params))
    assert page.status_code == 200, page.content
    form = {"PROLIFIC_PID": PID, "STUDY_ID": "abc123", "SESSION_ID": SESSION} | params
    response = client.post(reverse("join", args=[link.token]), form)
    assert response.status_code == 302
    return str(response["Location"])


def _finish_task(client: Client, task_url: str) -> str:
    pk = int(task_url.rstrip("/").split("/")[-1])
    client.post(
        reverse("task-flaw-add", args=[pk]),
        {"description": "d", "severity": "major", "category": "accuracy", "start": 4, "end": 7},
    )
    response = client.post(reverse("task-submit", args=[pk]), {"rating": 3, "free_text": ""})
    assert response.status_code in (200, 302)
    return str(response.get("Location") or response.get("HX-Redirect"))


def test_a_participant_joins_works_and_leaves_with_the_completion_code(researcher: User) -> None:
    world, link = _study(researcher)
    client = Client()
    page = client.get(_url(link)).content.decode()
    assert PID in page and "Start" in page and not Participant.objects.exists()  # a GET changes nothing
    where = _join(client, link)
    participant = Participant.objects.get()
    user = participant.user
    assert (participant.participant_id, participant.external_study_id, participant.session_id) == (
        PID,
        "abc123",
        SESSION,
    )
    assert user.is_contractor and not user.has_usable_password()
    assert list(Enrollment.objects.filter(contractor=user).values_list("study_id", flat=True)) == [world.study.pk]
    assert where.startswith("/tasks/")
    where = _finish_task(client, where)
    assert where.startswith("/tasks/")
    where = _finish_task(client, where)
    assert where == reverse("join-done")
    done = client.get(where).content.decode()
    assert "C0MPLETE" in done and "https://app.prolific.com/submissions/complete?cc=C0MPLETE" in done
    participant.refresh_from_db()
    assert participant.outcome == "completed" and participant.finished_at is not None
    assert Assignment.objects.filter(contractor=user, status="submitted").count() == 2


def test_the_link_refuses_what_prolific_would_not_send(researcher: User) -> None:
    _, link = _study(researcher)
    client = Client()
    missing = client.get(_url(link, PROLIFIC_PID=None))
    assert missing.status_code == 400 and "PROLIFIC_PID: missing" in missing.content.decode()
    hostile = client.get(_url(link, SESSION_ID="<script>alert(1)</script>"))
    assert hostile.status_code == 400 and "SESSION_ID: expected" in hostile.content.decode()
    assert "<script>alert" not in hostile.content.decode()
    assert client.post(reverse("join", args=[link.token]), {"PROLIFIC_PID": "x" * 65}).status_code == 400
    assert client.get(reverse("join", args=["not-a-token"]) + "?PROLIFIC_PID=a").status_code == 404
    link.open = False
    link.save(update_fields=("open",))
    assert client.get(_url(link)).status_code == 404
    assert not Participant.objects.exists()


def test_a_known_participant_comes_back_but_not_from_another_session(researcher: User) -> None:
    _, link = _study(researcher)
    first = _join(Client(), link)
    again = _join(Client(), link)  # same ids, another browser: the same account and its unfinished task
    assert again == first and User.objects.filter(username__startswith="prolific-").count() == 1
    stranger = Client().post(
        reverse("join", args=[link.token]), {"PROLIFIC_PID": PID, "STUDY_ID": "abc123", "SESSION_ID": "other"}
    )
    assert stranger.status_code == 403 and "another session" in stranger.content.decode()


def test_a_participant_reaches_only_their_own_tasks_of_that_study(researcher: User, contractor: User) -> None:
    world, link = _study(researcher)
    client = Client()
    mine = int(_join(client, link).rstrip("/").split("/")[-1])
    other = Assignment.objects.filter(study=world.study, contractor=None).first()
    assert other is not None
    other.contractor, other.status = contractor, "active"
    other.save(update_fields=("contractor", "status"))
    assert client.get(reverse("task", args=[other.pk])).status_code == 404
    assert client.get(reverse("task", args=[mine])).status_code == 200
    for page in ("study-list", "dataset-list", "people", "webhook-list"):
        assert client.get(reverse(page)).status_code == 403
    assert client.get(reverse("study-detail", args=[world.study.pk])).status_code == 403
    assert client.get("/api/tasks/").json()["count"] == 1


def test_who_fails_the_qualification_leaves_with_the_screen_out_code(researcher: User) -> None:
    world = make_world(researcher, [], items=2)
    world.study.status, world.study.pooled, world.study.design = "draft", True, "within"
    world.study.save(update_fields=("status", "pooled", "design"))
    add_checks(world, "qualification", 1)
    QualityPlan.objects.create(study=world.study, gold_rate=0, qualification_pass=1.0)
    do_launch(world.study)
    link = StudyLink.objects.create(study=world.study, completion_code="C0MPLETE", screenout_code="SCREEN0UT")
    client = Client()
    where = _join(client, link)
    pk = int(where.rstrip("/").split("/")[-1])
    assert Assignment.objects.get(pk=pk).purpose == "qualification"
    where = str(client.post(reverse("task-submit", args=[pk]), {"rating": 5, "free_text": ""})["Location"])
    assert where == reverse("join-done")
    page = client.get(where).content.decode()
    assert "SCREEN0UT" in page and "C0MPLETE" not in page
    assert Participant.objects.get().outcome == "screened_out"


def test_participant_ids_are_exported(researcher: User, tmp_path: object) -> None:
    world, link = _study(researcher)
    _join(Client(), link)
    from pathlib import Path

    manifest = do_export(world.study, "jsonl", Path(str(tmp_path)))
    assert manifest["counts"]["participants"] == 1
    rows = (Path(str(tmp_path)) / "participants.jsonl").read_text()
    assert PID in rows and SESSION in rows and "abc123" in rows


def test_the_researcher_sets_up_the_link_only_for_a_pooled_study(researcher: User) -> None:
    world = make_world(researcher, [], items=1)
    client = client_for(researcher)
    url = reverse("study-link", args=[world.study.pk])
    page = client.post(url, {"completion_code": "ABC123", "open": "on"}, follow=True).content.decode()
    assert "Link not saved. Only a pooled study takes participants" in page
    assert not StudyLink.objects.exists()
    world.study.pooled = True
    world.study.save(update_fields=("pooled",))
    page = client.post(url, {"completion_code": "bad code!", "open": "on"}, follow=True).content.decode()
    assert "completion_code:" in page and not StudyLink.objects.exists()
    page = client.post(url, {"completion_code": "ABC123", "open": "on"}, follow=True).content.decode()
    link = StudyLink.objects.get()
    assert f"/join/{link.token}/?PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}" in page


def test_a_participant_account_cannot_be_enrolled_in_another_study(researcher: User) -> None:
    from annotation.studies.enrolment import do_enrol
    from annotation.studies.forms import contractor_queryset
    from annotation.studies.roster import check_roster

    _, link = _study(researcher)
    _join(Client(), link)
    participant = Participant.objects.get().user
    other = make_world(researcher, [], items=1)
    assert do_enrol(other.study, [participant]) == 0
    assert participant not in contractor_queryset()
    assert "not an active contractor account" in check_roster(participant.username)[1][0]


def test_a_join_without_a_session_id_or_onto_an_existing_name_is_refused(researcher: User) -> None:
    world, link = _study(researcher)
    assert Client().get(_url(link, SESSION_ID=None)).status_code == 400
    from tests.factories import UserFactory

    UserFactory.create(role="admin", username=f"prolific-{world.study.pk}-{PID}")
    page = Client().post(reverse("join", args=[link.token]), {"PROLIFIC_PID": PID, "SESSION_ID": SESSION})
    assert page.status_code == 403 and "exists already" in page.content.decode()


def test_a_participant_with_nothing_left_is_sent_to_their_code_from_the_task_list(researcher: User) -> None:
    _, link = _study(researcher, per_contractor=1)
    client = Client()
    where = _finish_task(client, _join(client, link))
    assert where == reverse("join-done")
    response = client.get(reverse("queue"))
    assert response.status_code == 302 and response["Location"] == reverse("join-done")
