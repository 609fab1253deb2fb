from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from annotation.users import Role, User
from tests.browser import browser, page  # noqa: F401 - fixtures for the browser tests
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("REDLINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
ARTIFACTS = ROOT / "test-artifacts"


def shared_file(name: str) -> Path:
    """A file from the project's shared data; a missing one fails loudly, never skips."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: the suite needs ../shared/data (or set REDLINE_SHARED_DATA)")
    return path


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory.create(username="ada-admin", role=Role.ADMIN)


@pytest.fixture
def researcher(db: None) -> User:
    return UserFactory.create(username="rosa-researcher", role=Role.RESEARCHER)


@pytest.fixture
def other_researcher(db: None) -> User:
    return UserFactory.create(username="otto-researcher", role=Role.RESEARCHER)


@pytest.fixture
def contractor(db: None) -> User:
    return UserFactory.create(username="cleo-contractor", role=Role.CONTRACTOR)


@pytest.fixture
def other_contractor(db: None) -> User:
    return UserFactory.create(username="carl-contractor", role=Role.CONTRACTOR)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def researcher_client(researcher: User) -> Client:
    return client_for(researcher)


@pytest.fixture
def contractor_client(contractor: User) -> Client:
    return client_for(contractor)


@pytest.fixture
def admin_client_(admin_user: User) -> Client:
    return client_for(admin_user)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Personas are created in every test; a slow hasher would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate limits and token-failure counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
