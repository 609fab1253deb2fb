"""The three roles as Django groups, and the permissions each one holds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from annotation.models import Role

# Model permissions per role, as "app_label.codename". Contractors hold no model permissions:
# what they may see is decided per object by the access helpers.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CONTRACTOR: (),
    Role.RESEARCHER: (
        "annotation.add_dataset",
        "annotation.view_dataset",
        "annotation.change_dataset",
        "annotation.view_item",
        "annotation.add_item",
        "annotation.view_plantedflaw",
        "annotation.add_plantedflaw",
        "annotation.change_plantedflaw",
        "assist.add_criticconfig",
        "assist.view_criticconfig",
        "assist.change_criticconfig",
        "assist.view_critique",
        "assist.view_critiquecomment",
    ),
}


def ensure_roles(**kwargs: Any) -> None:
    """Create the role groups and grant their permissions (run after every migrate)."""
    for role in Role:
        group = Group.objects.get_or_create(name=role.value)[0]
        if role == Role.ADMIN:
            wanted = list(Permission.objects.all())
        else:
            wanted = []
            for label in ROLE_PERMISSIONS[role]:
                app_label, codename = label.split(".")
                wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
