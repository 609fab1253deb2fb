"""Schemathesis against the OpenAPI schema, as a researcher and as a contractor: whatever it
sends, no endpoint answers 5xx, and answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotation.users import User
from tests.studies import give, make_world

pytestmark = pytest.mark.django_db
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
EXAMPLES = 12


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Like Django's test client: the app must not close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(researcher: User, contractor: User) -> dict[str, str]:
    world = make_world(researcher, [contractor], items=2)
    give(world, contractor, world.assisted, world.items[0])
    return {user: Token.objects.create(user=person).key for user, person in (("researcher", researcher),
                                                                            ("contractor", contractor))}  # fmt: skip


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.parametrize("persona", ["researcher", "contractor"])
def test_no_input_makes_an_endpoint_fail(case: Any, persona: str, tokens: dict[str, str]) -> None:
    # Auth is checked route by route in test_access_matrix; here: no 5xx, documented codes, bodies as described.
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[persona]}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
