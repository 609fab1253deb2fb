"""A database migrated by an earlier landing (crowd migrations as 0013_crowd_quality_hooks and
0014_user_role_names, role_names as comma-joined text) upgrades with `migrate`: the squashed migration
counts as applied, and role_names becomes the JSON list the model reads."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from annotation.users import User

pytestmark = pytest.mark.django_db(transaction=True)


def _column_type() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'annotation_user' "
            "AND column_name = 'role_names' AND table_schema = current_schema()"
        )
        return str(cursor.fetchone()[0])


def test_a_database_of_the_earlier_landing_migrates_to_json_role_names() -> None:
    dana = User.objects.create_user("dana")
    dana.groups.add(Group.objects.get_or_create(name="researcher")[0], Group.objects.get_or_create(name="admin")[0])
    with connection.cursor() as cursor:  # put the table and the migration records back as they were then
        cursor.execute("ALTER TABLE annotation_user ALTER COLUMN role_names TYPE varchar(200) USING ''")
        cursor.execute("UPDATE annotation_user SET role_names = 'admin,researcher' WHERE id = %s", [dana.pk])
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'annotation' "
            "AND name IN ('0013_crowd_quality_hooks_roles', '0014_role_names_json')"
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES "
            "('annotation', '0013_crowd_quality_hooks', now()), ('annotation', '0014_user_role_names', now())"
        )
        cursor.execute("SELECT role_names FROM annotation_user WHERE id = %s", [dana.pk])
        assert cursor.fetchone()[0] == "admin,researcher"
    assert _column_type() == "character varying"

    call_command("migrate", "annotation", verbosity=0)

    assert _column_type() == "jsonb"
    dana = User.objects.get(pk=dana.pk)
    assert dana.role_names == ["admin", "researcher"] and dana.is_researcher
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'annotation' AND name LIKE '001%%'")
        applied = {name for (name,) in cursor.fetchall()}
    assert {"0013_crowd_quality_hooks_roles", "0014_role_names_json"} <= applied
