"""Enrolling contractors in bulk: a pasted list or CSV column of usernames or e-mail addresses."""

from __future__ import annotations

import re

from django.db.models import Q
from django.db.models.functions import Lower

from annotation.users import Role, User

MAX_ROSTER_CHARS = 200_000
MAX_ROSTER_ENTRIES = 5_000  # one query names them all; SQLite takes at most 32,766 parameters
_HEADERS = {"username", "usernames", "email", "e-mail", "emails", "contractor", "contractors"}
_SEPARATORS = re.compile(r"[,;\t]")


def roster_entries(text: str) -> list[tuple[int, str]]:
    """(line, entry) for every non-empty cell. When the first non-empty line names its columns
    (username, email, …), only those columns are read: a whole exported CSV can be pasted."""
    rows = [
        (n, [c.strip().strip('"').strip() for c in _SEPARATORS.split(line)])
        for n, line in enumerate(text.splitlines(), 1)
    ]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    columns: list[int] | None = None
    if rows and any(cell.lower() in _HEADERS for cell in rows[0][1]):
        columns = [i for i, cell in enumerate(rows[0][1]) if cell.lower() in _HEADERS]
        rows = rows[1:]
    return [
        (number, cell)
        for number, cells in rows
        for i, cell in enumerate(cells)
        if cell and (columns is None or i in columns)
    ]


def check_roster(text: str) -> tuple[list[User], list[str]]:
    """The contractor accounts a roster names, or every problem by line (then enrol nobody).
    Usernames match exactly, e-mail addresses whatever their case."""
    if len(text) > MAX_ROSTER_CHARS:
        return [], [f"The list is longer than {MAX_ROSTER_CHARS:,} characters; enrol it in parts."]
    entries = roster_entries(text)
    if not entries:
        return [], ["Paste at least one username or e-mail address."]
    if len(entries) > MAX_ROSTER_ENTRIES:
        return [], [f"The list names {len(entries):,} accounts; enrol at most {MAX_ROSTER_ENTRIES:,} at once."]
    names = {value for _, value in entries}
    emails = {value.lower() for value in names if "@" in value}
    accounts = User.objects.annotate(email_lower=Lower("email")).filter(
        Q(username__in=names) | Q(email_lower__in=emails)
    )
    by_key: dict[str, User] = {}
    for user in accounts:
        by_key.setdefault(user.username, user)
        if user.email:
            by_key.setdefault(user.email.lower(), user)
    contractors = set(
        User.objects.filter(
            pk__in=[u.pk for u in by_key.values()], groups__name=Role.CONTRACTOR, is_active=True, participant=None
        ).values_list("pk", flat=True)
    )
    problems: list[str] = []
    found: dict[int, User] = {}
    for line, value in entries:
        named = by_key.get(value) or by_key.get(value.lower() if "@" in value else "")
        if named is None:
            problems.append(f"line {line}: {value!r} is no account's username or e-mail address")
        elif named.pk not in contractors:
            problems.append(f"line {line}: {value!r} is not an active contractor account")
        else:
            found[named.pk] = named
    return ([], problems) if problems else (list(found.values()), [])
