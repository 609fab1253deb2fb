"""Insert many rows and get their ids back, as fast as the database allows.

On Postgres the ids are drawn from the table's sequence first and the rows are streamed
with COPY (the ORM's INSERT is several times slower for large imports); elsewhere (the
demo's SQLite) it is a plain bulk_create.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, models


def _column(model: type[models.Model], name: str) -> tuple[str, bool]:
    """The database column of a field, and whether it holds JSON."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, f"{model.__name__}.{name} is not a column"
    return field.column, isinstance(field, models.JSONField)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = model._default_manager.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in objects]
    table = model._meta.db_table
    described = {name: _column(model, name) for name in rows[0]}
    columns = ", ".join(["id", *(connection.ops.quote_name(column) for column, _ in described.values())])
    json_fields = {name for name, (_, is_json) in described.items() if is_json}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg 3 cursor underneath Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row(
                    [pk, *(json.dumps(value) if name in json_fields else value for name, value in row.items())]
                )
    return ids
