"""Admins manage people in Redline's own pages: create an account with roles, change roles, switch an
account off; never lock themselves out; bad input named by field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from annotation.users import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_person_with_roles_and_a_generated_password(admin_user: User) -> None:
    client = client_for(admin_user)
    response = client.post(
        reverse("people"), {"username": "dana", "email": "dana@example.org", "roles": ["researcher"]}, follow=True
    )
    page = response.content.decode()
    dana = User.objects.get(username="dana")
    assert dana.is_researcher and not dana.is_contractor
    password = page.split('id="generated">')[1].split("<code>")[1].split("</code>")[0]
    assert password not in str(response.cookies) and password not in str(client.cookies)
    assert dana.check_password(password)
    login = Client().post(reverse("login"), {"username": "dana", "password": password})
    assert login.status_code == 302
    assert "dana@example.org" in client.get(reverse("people") + "?q=dana").content.decode()


def test_bad_or_taken_input_is_named_by_field(admin_user: User, contractor: User) -> None:
    client = client_for(admin_user)
    taken = client.post(reverse("people"), {"username": contractor.username, "roles": ["contractor"]})
    assert taken.status_code == 400 and "is taken" in taken.content.decode()
    weak = client.post(reverse("people"), {"username": "eve", "roles": ["contractor"], "password": "123"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    hostile = client.post(reverse("people"), {"username": "x\ny", "roles": ["root"]})
    assert hostile.status_code == 400 and not User.objects.filter(username__startswith="x").exists()
    refused = client.post(reverse("person-edit", args=[contractor.pk]), {"roles": ["god"]}, follow=True)
    assert "roles: choose among contractor, researcher, admin." in refused.content.decode()
    contractor.refresh_from_db()
    assert contractor.is_contractor


def test_roles_change_and_accounts_switch_off_but_never_the_admins_own(admin_user: User, contractor: User) -> None:
    client = client_for(admin_user)
    client.post(reverse("person-edit", args=[contractor.pk]), {"roles": ["researcher"], "active": "on"})
    fresh = User.objects.get(pk=contractor.pk)
    assert fresh.is_researcher and not fresh.is_contractor
    client.post(reverse("person-edit", args=[contractor.pk]), {"roles": ["contractor"]})
    assert not User.objects.get(pk=contractor.pk).is_active
    admin_user.is_superuser = False
    admin_user.save(update_fields=("is_superuser",))
    page = client.post(
        reverse("person-edit", args=[admin_user.pk]), {"roles": ["researcher"], "active": "on"}, follow=True
    )
    assert "cannot take your own admin role" in page.content.decode()
    page = client.post(reverse("person-edit", args=[admin_user.pk]), {"roles": ["admin"]}, follow=True)
    assert "cannot switch your own account off" in page.content.decode()
    me = User.objects.get(pk=admin_user.pk)
    assert me.is_admin_role and me.is_active


def test_the_role_on_the_user_row_follows_the_groups_from_either_side(contractor: User) -> None:
    from django.contrib.auth.models import Group

    researchers = Group.objects.get(name="researcher")
    researchers.user_set.add(contractor)  # from the group's side
    assert User.objects.get(pk=contractor.pk).role_names == ["contractor", "researcher"]
    contractor.groups.remove(Group.objects.get(name="contractor"))  # from the user's side
    assert contractor.role_names == ["researcher"] and User.objects.get(pk=contractor.pk).is_researcher
    researchers.user_set.clear()
    fresh = User.objects.get(pk=contractor.pk)
    assert fresh.role_names == [] and not fresh.is_researcher and not fresh.is_contractor
    contractor.groups.set([Group.objects.get(name="admin")])
    assert User.objects.get(pk=contractor.pk).is_admin_role


def test_a_role_check_costs_no_query(contractor: User, django_assert_num_queries: Any) -> None:
    fresh = User.objects.get(pk=contractor.pk)
    with django_assert_num_queries(0):
        assert fresh.is_contractor and not fresh.is_researcher and not fresh.is_admin_role


def test_roles_survive_group_deletion_renames_and_stale_saves(contractor: User, admin_user: User) -> None:
    from django.contrib.auth.models import Group

    stale = User.objects.get(pk=contractor.pk)
    contractor.groups.add(Group.objects.get(name="admin"))
    stale.first_name = "Old copy"
    stale.save()  # a full save of a copy loaded before the change must not write the old roles back
    assert User.objects.get(pk=contractor.pk).is_admin_role
    Group.objects.get(name="admin").delete()
    assert not User.objects.get(pk=contractor.pk).is_admin_role
    Group.objects.filter(name="contractor").update(name="renamed")  # no signal: save() is the supported way
    group = Group.objects.get(name="renamed")
    group.name = "contractor-x"
    group.save()
    assert User.objects.get(pk=contractor.pk).role_names == ["contractor-x"]


def test_a_non_superuser_admin_cannot_change_a_superuser(admin_user: User) -> None:
    from tests.factories import UserFactory

    other_admin = UserFactory.create(role="contractor")
    from django.contrib.auth.models import Group

    other_admin.groups.add(Group.objects.get(name="admin"))
    page = client_for(other_admin).post(reverse("person-edit", args=[admin_user.pk]), {"roles": []}, follow=True)
    assert "Only a superuser changes a superuser" in page.content.decode()
    assert User.objects.get(pk=admin_user.pk).is_active


def test_the_next_page_keeps_the_search_and_role_filter(admin_user: User) -> None:
    from django.contrib.auth.models import Group

    contractors = Group.objects.get_or_create(name="contractor")[0]
    for n in range(55):
        User.objects.create_user(f"crowd{n:02d}").groups.add(contractors)
    User.objects.create_user("crowdresearcher")
    client = client_for(admin_user)
    first = client.get(reverse("people") + "?q=crowd&role=contractor").content.decode()
    assert "Page 1 of 2" in first
    link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "q=crowd" in link and "role=contractor" in link and "page=2" in link
    second = client.get(reverse("people") + link).content.decode()
    assert "crowd54" in second and "crowdresearcher" not in second and "Page 2 of 2" in second
