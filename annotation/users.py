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

    role_names = models.JSONField(
        default=list,
        blank=True,
        help_text="The names of the user's groups, kept in step by signals: the role check of every request "
        "reads the user row it has already loaded instead of querying the groups.",
    )

    def has_role(self, role: str) -> bool:
        if role == Role.ADMIN and self.is_superuser:
            return True
        return role in self.role_names

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A full save of a user loaded before a role change must not write the old roles back: only
        refresh_role_names writes them."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "role_names"
            ]
        super().save(*args, **kwargs)

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


def refresh_role_names(user_ids: list[int]) -> dict[int, list[str]]:
    """Write each user's group names into their row (after any change of their groups)."""
    names: dict[int, list[str]] = {pk: [] for pk in user_ids}
    for user_id, name in User.groups.through.objects.filter(user_id__in=user_ids).values_list("user_id", "group__name"):
        names[user_id].append(name)
    joined = {pk: sorted(found) for pk, found in names.items()}
    for pk, value in joined.items():
        User.objects.filter(pk=pk).update(role_names=value)
    return joined


def group_members_before_change(sender: type, instance: Group, **kwargs: Any) -> None:
    """pre_delete / pre_save of a group: remember its members (its rows go without an m2m signal)."""
    if instance.pk is not None:
        instance.__dict__["_members"] = list(instance.user_set.values_list("pk", flat=True))


def group_changed(sender: type, instance: Group, **kwargs: Any) -> None:
    """post_delete / post_save of a group (deleted or renamed): its former members' roles again."""
    refresh_role_names(instance.__dict__.pop("_members", []))


def sync_role_names(
    sender: type, instance: object, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """m2m_changed on User.groups, from either side (user.groups.add, group.user_set.add, clear, ...)."""
    if action == "pre_clear" and reverse:
        assert isinstance(instance, Group)
        instance.__dict__["_clearing"] = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        assert isinstance(instance, User)
        instance.role_names = refresh_role_names([instance.pk])[instance.pk]
        return
    ids = list(pk_set) if pk_set else instance.__dict__.pop("_clearing", [])
    refresh_role_names(ids)
