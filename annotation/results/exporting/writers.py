"""Row writers: JSON Lines, CSV and Parquet, each fed an iterator of tuples and flushed in batches."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db import connections
from django.db.models import QuerySet

from annotation.results.exporting.tables import json_lines_from_postgres
from annotation.results.exporting.tables import rows as iter_rows

BATCH = 10_000
FORMATS = ("jsonl", "csv", "parquet")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def jsonl_lines(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    dumps = json.JSONEncoder(ensure_ascii=False, default=_jsonable).encode
    for row in rows:
        yield dumps(dict(zip(columns, row, strict=True))) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "+cmd", "@SUM") gets a
    leading apostrophe, which spreadsheets show as text (OWASP's CSV injection advice). Numbers,
    dates and other text are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    class Line:
        value = ""

        def write(self, text: str) -> None:
            self.value = text

    line = Line()
    writer = csv.writer(line)
    writer.writerow(columns)
    yield line.value
    for row in rows:
        writer.writerow(
            ["" if v is None else v.isoformat() if isinstance(v, datetime) else spreadsheet_safe(v) for v in row]
        )
        yield line.value


def _arrow_schema(types: dict[str, str]) -> Any:
    import pyarrow as pa

    mapping = {
        "int": pa.int64(),
        "float": pa.float64(),
        "str": pa.string(),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([(name, mapping[kind]) for name, kind in types.items()])


type Progress = Callable[[int], None]


def _counted(rows: Iterable[tuple[Any, ...]], on_rows: Progress) -> Iterator[tuple[Any, ...]]:
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == BATCH:
            on_rows(pending)
            pending = 0
    on_rows(pending)


def write_table(
    path: Path,
    fmt: str,
    types: dict[str, str],
    queryset: QuerySet[Any] | Iterator[tuple[Any, ...]],
    on_rows: Progress | None = None,
) -> int:
    """Write the rows to `path` in `fmt`; returns the number of rows. `on_rows` hears of every batch written."""
    columns = list(types)
    count = 0
    if fmt == "jsonl" and isinstance(queryset, QuerySet) and connections[queryset.db].vendor == "postgresql":
        pending = 0
        with path.open("wb") as binary:
            for block in json_lines_from_postgres(queryset, columns):
                binary.write(block)
                written = block.count(b"\n")
                count += written
                pending += written
                if on_rows is not None and pending >= BATCH:
                    on_rows(pending)
                    pending = 0
        if on_rows is not None:
            on_rows(pending)
        return count
    rows = iter_rows(queryset) if on_rows is None else _counted(iter_rows(queryset), on_rows)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _arrow_schema(types)
        with pq.ParquetWriter(path, schema) as writer:
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    writer.write_table(
                        pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in batch], schema)
                    )
                    count += len(batch)
                    batch = []
            if batch or not count:
                writer.write_table(pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in batch], schema))
                count += len(batch)
        return count
    lines = jsonl_lines(columns, rows) if fmt == "jsonl" else csv_lines(columns, rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        count = _write_lines(out, lines)
    return count - (1 if fmt == "csv" else 0)


def _write_lines(out: IO[str], lines: Iterator[str]) -> int:
    count, buffer = 0, []
    for line in lines:
        buffer.append(line)
        count += 1
        if len(buffer) == BATCH:
            out.write("".join(buffer))
            buffer = []
    out.write("".join(buffer))
    return count


def write_documents(
    path: Path, rows: Iterable[tuple[dict[str, Any], int]], on_items: Callable[[int], None] | None = None
) -> int:
    """Write the lines; returns how many. `on_items` hears every thousand items or so."""
    count = pending = 0
    with path.open("w", encoding="utf-8") as out:
        for row, items in rows:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
            pending += items
            if on_items is not None and pending >= 1000:
                on_items(pending)
                pending = 0
    if on_items is not None:
        on_items(pending)
    return count
