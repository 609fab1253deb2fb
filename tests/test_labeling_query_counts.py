"""The contractor's pages cost the same number of queries however many flaws, comments and tasks there are."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from annotation.labeling.models import FlawReport, Review
from annotation.studies.models import Assignment
from annotation.users import User
from tests.conftest import client_for
from tests.studies import give, make_world

pytestmark = pytest.mark.django_db
AUTH = 2  # session, user (the role is on the user row)


@pytest.mark.parametrize("size", [1, 15])
def test_labeling_queue_and_next_task_have_constant_query_counts(
    researcher: User, contractor: User, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    world = make_world(researcher, [contractor], items=size + 1, comments=size)
    task = give(world, contractor, world.assisted, world.items[0])
    for n, item in enumerate(world.items[1:], 1):
        pending = give(world, contractor, world.unassisted, item, order=n)
        Assignment.objects.filter(pk=pending.pk).update(status="pending", started_at=None)
    client = client_for(contractor)
    client.get(reverse("task", args=[task.pk]))  # first open records the comments shown
    review = Review.objects.get(assignment=task)
    FlawReport.objects.bulk_create(
        FlawReport(review=review, description=f"flaw {n}", severity="minor", category="other") for n in range(size)
    )
    # assignment, review, flaws, judgements + comments, progress
    with django_assert_num_queries(AUTH + 5):
        assert client.get(reverse("task", args=[task.pk])).status_code == 200
    # counts per study, enrolled running studies, the active task, recent submissions
    with django_assert_num_queries(AUTH + 4):
        assert client.get(reverse("queue")).status_code == 200
    # savepoint, lock the contractor's enrolments, the unfinished task, release savepoint
    with django_assert_num_queries(AUTH + 4):
        assert client.post(reverse("task-next")).status_code == 302
    Assignment.objects.filter(pk=task.pk).update(status="submitted")
    # savepoint, lock the enrolments (with their studies and checks), unfinished (none), lock the next of mine,
    # claim it, release
    with django_assert_num_queries(AUTH + 6):
        assert client.post(reverse("task-next")).status_code == 302


def test_autosave_flaw_and_submit_lock_the_review_in_one_query(
    researcher: User, contractor: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    world = make_world(researcher, [contractor], items=2, comments=3)
    task = give(world, contractor, world.assisted, world.items[0])
    client = client_for(contractor)
    client.get(reverse("task", args=[task.pk]))
    flaw = {"description": "wrong", "severity": "major", "category": "accuracy", "start": 0, "end": 3}
    # assignment, savepoint, lock the review, insert, touch, release, the flaws list
    with django_assert_num_queries(AUTH + 7):
        assert client.post(reverse("task-flaw-add", args=[task.pk]), flaw).status_code == 200
    # assignment, savepoint, lock the review, update, release
    with django_assert_num_queries(AUTH + 5):
        assert client.post(reverse("task-draft", args=[task.pk]), {"rating": 4}).status_code == 200
    assert Review.objects.get(assignment=task).rating == 4
    assert FlawReport.objects.filter(review__assignment=task).count() == 1
