"""do_import: the one import path used by the command, the upload page and the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO

from django.conf import settings
from django.db import transaction

from annotation.datasets.importing.errors import ErrorLog, ImportFailed, RowError, TooManyErrors
from annotation.datasets.importing.formats.humaneval import parse_humaneval
from annotation.datasets.importing.formats.native import parse_csv, parse_jsonl
from annotation.datasets.importing.formats.openai_critiques import parse_openai
from annotation.datasets.importing.reading import FORMATS, detect_format, open_source
from annotation.datasets.importing.records import ParsedItem
from annotation.datasets.importing.writer import BatchWriter, item_digest
from annotation.datasets.models import Dataset
from annotation.users import User
from annotation.web.hidden_chars import describe
from assist.interface import CriticNotImported

PARSERS: dict[str, Callable[[IO[bytes], ErrorLog], Iterator[ParsedItem]]] = {
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "openai-critiques": parse_openai,
    "humaneval": parse_humaneval,
}


@dataclass
class ImportResult:
    dataset_id: int
    dataset_name: str
    format: str
    created_dataset: bool
    items: int
    duplicates_skipped: int
    planted_flaws: int
    critiques: int
    critique_comments: int
    helpful_critiques: int
    critics: list[str] = field(default_factory=list)
    warnings: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"Imported {self.items:,} items into {self.dataset_name!r} ({self.format})"]
        if self.duplicates_skipped:
            parts.append(f"skipped {self.duplicates_skipped:,} repeated items")
        if self.planted_flaws:
            parts.append(f"{self.planted_flaws:,} planted flaws")
        if self.critiques:
            parts.append(
                f"{self.critiques:,} critiques ({self.helpful_critiques:,} marked helpful) "
                f"from {', '.join(self.critics)}"
            )
        return "; ".join(parts) + "."


def check_import_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ImportFailed([RowError(0, "name", "a dataset name is required")])
    if len(name) > 200:
        raise ImportFailed([RowError(0, "name", "the dataset name is longer than 200 characters")])
    return name


def do_import(
    stream: IO[bytes],
    *,
    name: str,
    fmt: str = "auto",
    filename: str = "",
    size: int | None = None,
    user: User | None = None,
    description: str = "",
) -> ImportResult:
    """Import a whole file into the dataset `name` (created if new), or nothing at all.

    Raises ImportFailed listing every problem found (up to REDLINE_IMPORT_MAX_ERRORS).
    """
    name = check_import_name(name)
    if fmt not in FORMATS:
        raise ImportFailed([RowError(0, "format", f"{fmt!r} is not one of: {', '.join(FORMATS)}")])
    limit = settings.REDLINE_IMPORT_MAX_BYTES
    if fmt == "auto":
        fmt = detect_format(open_source(stream, size, limit), filename)
    source = open_source(stream, size, limit)
    errors = ErrorLog(settings.REDLINE_IMPORT_MAX_ERRORS)
    with transaction.atomic():
        dataset, created = Dataset.objects.select_for_update().get_or_create(
            name=name, defaults={"created_by": user, "source_format": fmt, "description": description}
        )
        seen = set(dataset.items.values_list("content_hash", flat=True))
        writer = BatchWriter(dataset)
        duplicates = 0
        warnings: list[dict[str, object]] = []
        try:
            for parsed in PARSERS[fmt](source, errors):
                digest = item_digest(parsed)
                if digest in seen:
                    duplicates += 1
                    continue
                seen.add(digest)
                _warn_hidden(parsed, warnings)
                if not errors:
                    writer.add(parsed, digest)
            if not errors:
                writer.flush()
        except TooManyErrors:
            pass
        except CriticNotImported as exc:
            errors.errors.append(RowError(0, "critic", str(exc)))
        if not errors and writer.items == 0 and duplicates == 0:
            errors.errors.append(RowError(0, "", "the file holds no items"))
        if errors:
            raise ImportFailed(errors.errors, truncated=errors.truncated)
    return ImportResult(
        dataset_id=dataset.pk,
        dataset_name=dataset.name,
        format=fmt,
        created_dataset=created,
        items=writer.items,
        duplicates_skipped=duplicates,
        planted_flaws=writer.flaws,
        critiques=writer.critiques.critiques,
        critique_comments=writer.critiques.comments,
        helpful_critiques=writer.critiques.helpful,
        critics=sorted(writer.critiques.critic_names),
        warnings=warnings,
    )


MAX_WARNINGS = 50


def _warn_hidden(parsed: ParsedItem, warnings: list[dict[str, object]]) -> None:
    """Text with bidirectional overrides or invisible characters imports (it may be the very flaw a
    study plants), but the import says where, and pages show each such character marked."""
    fields = {"context": parsed.context, "question": parsed.question, "response": parsed.response}
    for name, text in fields.items():
        found = describe(text)
        if found and len(warnings) < MAX_WARNINGS:
            message = f"contains characters that change how text displays: {', '.join(found)}; pages mark them"
            warnings.append({"line": parsed.line, "field": name, "message": message})
