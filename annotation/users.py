"""People and their roles: the user model, and the roles as Django groups with their permissions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import models


class Role(models.TextChoices):
    CONTRACTOR = "contractor", "Contractor"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin"


class User(AbstractUser):
    """A person using Redline. Roles are Django groups, so permissions stay in one place."""

    def has_role(self, role: str) -> bool:
        if role == Role.ADMIN and self.is_superuser:
            return True
        cache = self.__dict__.get("_role_names")
        if cache is None:
            cache = set(self.groups.values_list("name", flat=True))
            self.__dict__["_role_names"] = cache
        return role in cache

    @property
    def is_admin_role(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_researcher(self) -> bool:
        """Researchers and admins may work with datasets and studies."""
        return self.has_role(Role.RESEARCHER) or self.is_admin_role

    @property
    def is_contractor(self) -> bool:
        return self.has_role(Role.CONTRACTOR)


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
