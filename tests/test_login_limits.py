"""Guessing passwords gets an account and an address locked out, and the page says so; guessing
API tokens is throttled."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from annotation.users import User

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


def _try(client: Client, username: str, password: str) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one_after(researcher: User) -> None:
    client = Client()
    for _ in range(4):
        assert _try(client, researcher.username, "wrong") == 200  # the form again, with an error
    locked = client.post(reverse("login"), {"username": researcher.username, "password": "wrong"})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert _try(Client(REMOTE_ADDR="10.9.9.9"), researcher.username, PASSWORD) == 429  # the account, from anywhere
    assert "_auth_user_id" not in client.session


def test_a_right_password_resets_the_count(contractor: User) -> None:
    client = Client()
    for _ in range(3):
        _try(client, contractor.username, "wrong")
    assert _try(client, contractor.username, PASSWORD) == 302
    client.logout()
    for _ in range(3):
        assert _try(client, contractor.username, "wrong") == 200  # counting from zero again


def test_guessing_tokens_is_throttled() -> None:
    cache.clear()
    client = Client()
    answers = [client.get("/api/studies/", HTTP_AUTHORIZATION=f"Token guess{n:036d}").status_code for n in range(40)]
    assert set(answers[:5]) <= {401, 403}
    assert answers[-1] == 429


def test_a_blocked_address_still_reaches_pages_and_session_api(researcher: User) -> None:
    client = Client()
    for n in range(25):
        client.get("/api/studies/", HTTP_AUTHORIZATION=f"Token guess{n:036d}")
    assert client.get("/api/studies/", HTTP_AUTHORIZATION="Token another").status_code == 429
    client.force_login(researcher)
    assert client.get("/api/studies/").status_code == 200  # no token presented: the guard stays out of it
