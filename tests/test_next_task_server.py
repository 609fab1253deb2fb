"""Fifty contractors ask the real server for work at the same moment; nobody gets someone else's task."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from django.db import connection
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from annotation.studies.lifecycle import do_launch
from annotation.studies.models import Assignment, Enrollment
from annotation.users import Role, User
from tests.factories import UserFactory
from tests.test_study_assignment import make_study

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_contractors_through_the_live_server_never_share_a_task(
    live_server: LiveServer, researcher: User
) -> None:
    study = make_study(researcher, items=40, contractors=0, assisted=False, design="between", reviews=2)
    contractors = [UserFactory.create(username=f"live{n}", role=Role.CONTRACTOR) for n in range(50)]
    Enrollment.objects.bulk_create(Enrollment(study=study, contractor=c) for c in contractors)
    do_launch(study)
    # Half the tasks go back to the shared pool, so contractors also race for the same released rows.
    pool = list(Assignment.objects.filter(study=study).order_by("id").values_list("pk", flat=True)[::2])
    Assignment.objects.filter(pk__in=pool).update(contractor=None)
    tokens = [Token.objects.create(user=c).key for c in contractors]
    barrier = threading.Barrier(len(tokens))
    got: dict[str, list[int]] = {}
    errors: list[str] = []

    def work(token: str) -> None:
        try:
            _work(token)
        finally:
            connection.close()

    def _work(token: str) -> None:
        mine: list[int] = []
        with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token}"}, timeout=60) as http:
            barrier.wait()
            for _ in range(3):
                response = http.post("/api/tasks/next/")
                if response.status_code == 204:
                    break
                if response.status_code != 200:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
                    return
                mine.append(response.json()["id"])
                Assignment.objects.filter(pk=mine[-1]).update(status="submitted")
        got[token] = mine

    threads = [threading.Thread(target=work, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    handed_out = Counter(pk for tasks in got.values() for pk in tasks)
    assert handed_out and max(handed_out.values()) == 1
    owners = Assignment.objects.filter(pk__in=list(handed_out)).values_list("pk", "contractor__auth_token__key")
    assert all(pk in got[key] for pk, key in owners)
    assert Assignment.objects.filter(study=study, status="submitted").count() == len(handed_out)
    assert len(handed_out) > 50
