"""Redline's own import schema, as JSON Lines or CSV (documented in the README)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings

from annotation.choices import CATEGORIES_BY_KIND, FlawOrigin, Kind, Severity
from annotation.datasets.importing import strict_json
from annotation.datasets.importing.errors import ErrorLog
from annotation.datasets.importing.fields import Row
from annotation.datasets.importing.reading import iter_json_lines
from annotation.datasets.importing.records import ParsedComment, ParsedCritique, ParsedFlaw, ParsedItem
from models_service.anchoring import anchor_quote, lines_to_span, span_to_lines

ITEM_FIELDS = {
    "id",
    "kind",
    "context",
    "question",
    "response",
    "author",
    "language",
    "tests",
    "metadata",
    "flaws",
    "critiques",
}
FLAW_FIELDS = {
    "start",
    "end",
    "quote",
    "line_start",
    "line_end",
    "description",
    "severity",
    "category",
    "origin",
    "metadata",
}
CRITIQUE_FIELDS = {"critic", "text", "helpful", "score", "comments", "metadata"}
COMMENT_FIELDS = {"comment", "quote", "severity", "category"}
JSON_COLUMNS = ("metadata", "flaws", "critiques")
SEVERITIES = tuple(Severity.values)
ORIGINS = tuple(FlawOrigin.values)


def parse_flaw(row: Row, kind: str, response: str) -> ParsedFlaw | None:
    row.reject_unknown(FLAW_FIELDS)
    description = row.text("description", required=True)
    severity = row.choice("severity", SEVERITIES, default=Severity.MAJOR)
    category = row.choice("category", CATEGORIES_BY_KIND[kind], default="other")
    origin = row.choice("origin", ORIGINS, default=FlawOrigin.IMPORT)
    start, end = row.integer("start"), row.integer("end")
    line_start, line_end = row.integer("line_start", minimum=1), row.integer("line_end", minimum=1)
    quote = row.text("quote")
    if (start is None) != (end is None):
        row.error("end" if end is None else "start", "start and end must be given together")
    elif start is not None and end is not None:
        if end < start or end > len(response):
            row.error("end", f"span {start}..{end} is outside the response (length {len(response)})")
    elif quote:
        anchor = anchor_quote(response, quote)
        if anchor is None:
            row.error("quote", "is not found in the response")
        else:
            start, end = anchor.start, anchor.end
    elif line_start is not None:
        last = len(response.splitlines()) or 1
        line_end = line_end or line_start
        if line_end < line_start or line_end > last:
            row.error("line_end", f"lines {line_start}..{line_end} are outside the response ({last} lines)")
        else:
            start, end = lines_to_span(response, line_start, line_end)
    if start is not None and end is not None and line_start is None and kind == Kind.CODE:
        line_start, line_end = span_to_lines(response, start, end)
    if not row.ok:
        return None
    return ParsedFlaw(
        description=description,
        severity=severity,
        category=category,
        origin=origin,
        start=start,
        end=end,
        line_start=line_start,
        line_end=line_end,
        metadata=row.mapping("metadata"),
    )


def parse_critique(row: Row, kind: str) -> ParsedCritique | None:
    row.reject_unknown(CRITIQUE_FIELDS)
    critic = row.text("critic", required=True, max_length=200)
    text = row.text("text")
    comments = []
    for child, _ in row.objects("comments"):
        child.reject_unknown(COMMENT_FIELDS)
        comments.append(
            ParsedComment(
                comment=child.text("comment", required=True),
                quote=child.text("quote"),
                severity=child.choice("severity", SEVERITIES, default=""),
                category=child.choice("category", CATEGORIES_BY_KIND[kind], default="other"),
            )
        )
    if not text and not comments:
        row.error("text", "a critique needs a text or at least one comment")
    if not row.ok:
        return None
    return ParsedCritique(
        critic=critic,
        text=text,
        helpful=row.boolean("helpful"),
        score=row.number("score"),
        comments=comments,
        metadata=row.mapping("metadata"),
    )


def parse_native(row: Row) -> ParsedItem | None:
    row.reject_unknown(ITEM_FIELDS)
    kind = row.choice("kind", tuple(Kind.values))
    context = row.text("context", required=True)
    response = row.text("response", required=True)
    item = ParsedItem(
        line=row.line,
        kind=kind,
        context=context,
        response=response,
        question=row.text("question"),
        author=row.text("author", default="unknown", max_length=200),
        external_id=row.text("id", max_length=200),
        language=row.text("language", default="python" if kind == Kind.CODE else "", max_length=32),
        tests=row.text("tests"),
        metadata=row.mapping("metadata"),
    )
    if item.tests and kind != Kind.CODE:
        row.error("tests", "only code items have tests")
    if not row.ok:
        return None  # the nested checks below need a valid kind and response
    for child, _ in row.objects("flaws"):
        flaw = parse_flaw(child, kind, response)
        if flaw is not None:
            item.flaws.append(flaw)
    for child, _ in row.objects("critiques"):
        critique = parse_critique(child, kind)
        if critique is not None:
            item.critiques.append(critique)
    return item if row.ok else None


def parse_jsonl(stream: IO[bytes], errors: ErrorLog) -> Iterator[ParsedItem]:
    for number, data in iter_json_lines(stream, errors):
        item = parse_native(Row(data, number, errors))
        if item is not None:
            yield item


def parse_csv(stream: IO[bytes], errors: ErrorLog) -> Iterator[ParsedItem]:
    csv.field_size_limit(settings.REDLINE_IMPORT_MAX_LINE_BYTES)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
    except UnicodeDecodeError:
        errors.add(1, "", "is not valid UTF-8; save the file as UTF-8")
        return
    except csv.Error as exc:
        errors.add(1, "", f"is not valid CSV: {exc}")
        return
    missing = [name for name in ("kind", "context", "response") if name not in header]
    unknown = [name for name in header if name not in ITEM_FIELDS]
    for name in missing:
        errors.add(1, name, "column is missing from the header")
    for name in unknown:
        errors.add(1, name, f"unknown column; expected some of: {', '.join(sorted(ITEM_FIELDS))}")
    if missing or unknown:
        return
    line = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            errors.add(reader.line_num + 1, "", "is not valid UTF-8; save the file as UTF-8")
            return
        except csv.Error as exc:
            errors.add(reader.line_num, "", f"is not valid CSV: {exc}")
            return
        start_line, line = line + 1, reader.line_num
        if None in record:
            errors.add(start_line, "", f"has {len(header) + len(record[None])} cells; the header has {len(header)}")
            continue
        data: dict[str, Any] = {key: value for key, value in record.items() if value not in ("", None)}
        for column in JSON_COLUMNS:
            if column in data:
                try:
                    data[column] = strict_json.loads(data[column])
                except json.JSONDecodeError as exc:
                    errors.add(start_line, column, f"is not valid JSON: {exc.msg} at column {exc.colno}")
                    data.pop(column)
                except strict_json.JsonRefused as exc:
                    errors.add(start_line, column, str(exc))
                    data.pop(column)
        item = parse_native(Row(data, start_line, errors))
        if item is not None:
            yield item
