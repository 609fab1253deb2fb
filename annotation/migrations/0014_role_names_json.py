"""A database migrated by the earlier landing (0013_crowd_quality_hooks + 0014_user_role_names) holds
role_names as comma-joined text; the model holds a JSON list. Convert it there, then refill every
user's roles from their groups (a no-op on a database that was never on the earlier schema)."""

from django.db import migrations


def settle_role_names(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'annotation_user' "
                "AND column_name = 'role_names' AND table_schema = current_schema()"
            )
            row = cursor.fetchone()
            if row is not None and row[0] != "jsonb":
                cursor.execute(
                    "ALTER TABLE annotation_user ALTER COLUMN role_names TYPE jsonb USING to_jsonb("
                    "CASE WHEN role_names = '' THEN ARRAY[]::text[] ELSE string_to_array(role_names, ',') END)"
                )
    user_model = apps.get_model("annotation", "User")  # type: ignore[attr-defined]
    if connection.vendor != "postgresql":  # SQLite: the text column takes JSON as it is; old values are not JSON
        user_model.objects.update(role_names=[])
    for user in user_model.objects.prefetch_related("groups"):
        user.role_names = sorted(group.name for group in user.groups.all())
        user.save(update_fields=["role_names"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0013_crowd_quality_hooks_roles"),
    ]

    operations = [
        migrations.RunPython(settle_role_names, migrations.RunPython.noop),
    ]
