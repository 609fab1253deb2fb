"""Every page and endpoint of the foundation, for every persona."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from annotation.users import Role, User
from tests.conftest import client_for
from tests.factories import ItemFactory, PlantedFlawFactory

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_with_their_permissions() -> None:
    researcher = Group.objects.get(name=Role.RESEARCHER)
    codes = set(researcher.permissions.values_list("codename", flat=True))
    assert {"add_dataset", "view_item", "view_plantedflaw", "add_criticconfig"} <= codes
    assert not Group.objects.get(name=Role.CONTRACTOR).permissions.exists()
    assert Group.objects.get(name=Role.ADMIN).permissions.filter(codename="delete_user").exists()


def test_role_checks(admin_user: User, researcher: User, contractor: User) -> None:
    assert (researcher.is_researcher, researcher.is_contractor, researcher.is_admin_role) == (True, False, False)
    assert (contractor.is_researcher, contractor.is_contractor) == (False, True)
    assert (admin_user.is_researcher, admin_user.is_admin_role) == (True, True)


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for url in ("/", "/datasets/", "/datasets/import/", "/items/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert client.get("/api/datasets/").status_code == 403


def test_logging_in_and_out(client: Client, researcher: User) -> None:
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": researcher.username, "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/datasets/"
    bad = Client().post("/login/", {"username": researcher.username, "password": "nope"})
    assert "don't match" in bad.content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/datasets/").status_code == 302


def test_home_and_navigation_follow_the_role(
    researcher_client: Client, contractor_client: Client, admin_user: User
) -> None:
    page = contractor_client.get("/", follow=True).content.decode()
    assert "My tasks" in page and "No tasks for you yet" in page
    assert "/datasets/" not in page and "/admin/" not in page
    nav = researcher_client.get("/datasets/").content.decode()
    assert 'href="/datasets/import/"' in nav and 'href="/admin/"' not in nav
    assert 'href="/admin/"' in client_for(admin_user).get("/datasets/").content.decode()


def test_contractors_are_refused_every_dataset_page_and_endpoint(contractor_client: Client) -> None:
    flaw = PlantedFlawFactory.create(description="SECRET-GROUND-TRUTH")
    item = flaw.item
    for url in (
        "/datasets/",
        "/datasets/import/",
        f"/datasets/{item.dataset_id}/",
        f"/items/{item.pk}/",
        "/api/datasets/",
        f"/api/datasets/{item.dataset_id}/",
        f"/api/datasets/{item.dataset_id}/items/",
        "/api/items/",
        f"/api/items/{item.pk}/",
    ):
        response = contractor_client.get(url)
        assert response.status_code == 403, url
        assert b"SECRET-GROUND-TRUTH" not in response.content
    assert contractor_client.post("/api/datasets/import/", {}).status_code == 403
    assert contractor_client.get("/admin/").status_code == 302


def test_researchers_and_admins_read_every_dataset(researcher: User, other_researcher: User, admin_user: User) -> None:
    item = ItemFactory.create(dataset__created_by=other_researcher)
    for user in (researcher, admin_user):
        client = client_for(user)
        assert client.get(f"/datasets/{item.dataset_id}/").status_code == 200
        assert client.get(f"/api/items/{item.pk}/").json()["id"] == item.pk


def test_missing_objects_are_404_not_500(researcher_client: Client) -> None:
    assert researcher_client.get("/datasets/999999/").status_code == 404
    assert researcher_client.get("/items/999999/").status_code == 404
    assert researcher_client.get("/api/items/999999/").status_code == 404


def test_the_admin_lists_every_model(admin_user: User) -> None:
    client = client_for(admin_user)
    for path in (
        "annotation/user",
        "annotation/dataset",
        "annotation/item",
        "annotation/plantedflaw",
        "assist/criticconfig",
        "assist/critique",
        "assist/critiquecomment",
    ):
        assert client.get(f"/admin/{path}/").status_code == 200, path
