"""Admins manage people: create an account with a role, change roles, switch an account off.

An admin cannot take their own admin role or switch themselves off: someone must be left to undo it.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from annotation.users import Role, User


class PeopleRefused(Exception):
    pass


def check_new_person(username: str, email: str, password: str) -> dict[str, str]:
    problems = {}
    if User.objects.filter(username__iexact=username).exists():
        problems["username"] = f"{username!r} is taken."
    if email and User.objects.filter(email__iexact=email).exists():
        problems["email"] = f"{email} already has an account."
    if password:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            problems["password"] = " ".join(exc.messages)
    return problems


def do_create_person(username: str, email: str, roles: list[str], password: str) -> tuple[User, str]:
    """Returns the account and, when no password was given, the one generated (shown once)."""
    generated = "" if password else secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password or generated)
        user.groups.set(Group.objects.filter(name__in=roles))
    return user, generated


def do_update_person(actor: User, person: User, roles: list[str], active: bool) -> None:
    if person.is_superuser and not actor.is_superuser:
        raise PeopleRefused("Only a superuser changes a superuser.")
    if person.pk == actor.pk and (Role.ADMIN not in roles and not actor.is_superuser):
        raise PeopleRefused("You cannot take your own admin role: ask another admin.")
    if person.pk == actor.pk and not active:
        raise PeopleRefused("You cannot switch your own account off.")
    with transaction.atomic():
        person.groups.set(Group.objects.filter(name__in=roles))
        person.is_active = active
        person.save(update_fields=("is_active",))
