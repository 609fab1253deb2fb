"""do_export / do_export_dataset: every table in one format, plus a manifest (counts, settings, seed, version)."""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from annotation.datasets.models import Dataset, Item
from annotation.quality.models import Exclusion
from annotation.results.exporting.native import native_rows
from annotation.results.exporting.pairs import study_votes
from annotation.results.exporting.release import release_rows
from annotation.results.exporting.tables import TABLES, tables_for
from annotation.results.exporting.writers import FORMATS, write_documents, write_table
from annotation.studies.models import Study

SCHEMA_VERSION = 1
RELEASE = "openai-critiques"
EXPORT_FORMATS = (*FORMATS, RELEASE)
RELEASE_DESCRIPTION = (
    "The OpenAI critiques release format: one line per passage with its questions, answers and "
    "critiques. Imported release items come back as they were; other items carry every critique "
    "with the study's helpfulness votes."
)
NATIVE_DESCRIPTION = "Redline's import schema: one item per line with its planted flaws and critiques."

type OnRows = Callable[[str, int], None]


@cache
def software() -> dict[str, str]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except OSError:
        commit = ""
    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    ours = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"] if pyproject.exists() else ""
    return {"redline": ours, "commit": commit, "django": version("django"), "schema_version": str(SCHEMA_VERSION)}


def _write_manifest(out: Path, head: dict[str, Any], fmt: str, counts: dict[str, int], files: dict[str, str],
                    schema: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    manifest = head | {
        "format": fmt, "files": files, "counts": counts, "schema": schema, "schema_version": SCHEMA_VERSION,
        "software": software(), "exported_at": timezone.now().isoformat(),
    }  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return manifest


def _one_file(out: Path, name: str, documents: Iterable[tuple[dict[str, Any], int]], on_rows: OnRows | None) -> int:
    return write_documents(out / f"{name}.jsonl", documents, None if on_rows is None else partial(on_rows, name))


def do_export(
    study: Study,
    fmt: str,
    out: Path,
    *,
    tables: list[str] | None = None,
    progress: Callable[[str, int], None] | None = None,
    on_rows: OnRows | None = None,
) -> dict[str, Any]:
    """Write the study's tables (or its release-format file) under `out`, with manifest.json.

    `progress` hears of each finished table and its row count; `on_rows` of each batch written.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format: choose one of {', '.join(EXPORT_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files: dict[str, str] = {}
    schema: dict[str, Any] = {}
    if fmt == RELEASE:
        items = Item.objects.filter(studyitem__study=study)
        counts[RELEASE] = _one_file(out, RELEASE, release_rows(items, study_votes(study)), on_rows)
        files[RELEASE], schema[RELEASE] = f"{RELEASE}.jsonl", {"description": RELEASE_DESCRIPTION}
        if progress is not None:
            progress(RELEASE, counts[RELEASE])
    for name in [] if fmt == RELEASE else tables or tables_for(study):
        types, queryset, description = TABLES[name]
        path = out / f"{name}.{fmt}"
        counts[name] = write_table(
            path, fmt, types, queryset(study), None if on_rows is None else partial(on_rows, name)
        )
        files[name], schema[name] = path.name, {"description": description, "columns": types}
        if progress is not None:
            progress(name, counts[name])
    head = {
        "study": {
            "id": study.pk, "name": study.name, "design": study.design, "reviews_per_item": study.reviews_per_item,
            "seed": study.seed, "status": study.status, "match_threshold": study.match_threshold,
            "arms": list(study.arms.values("id", "name", "kind", "critic_id")),
            "dropped_items": study.dropped_items,
            # The tables hold every review; these contractors' reviews are left out of the study's analysis.
            "excluded_contractors": [
                {"contractor": e.contractor_id, "reason": e.reason, "excluded_at": e.excluded_at.isoformat()}
                for e in Exclusion.objects.filter(study=study, restored_at=None)
            ],
        }
    }  # fmt: skip
    return _write_manifest(out, head, fmt, counts, files, schema)


def do_export_dataset(dataset: Dataset, fmt: str, out: Path, *, on_rows: OnRows | None = None) -> dict[str, Any]:
    """A whole dataset, ground truth and critiques included, in a format Redline imports back."""
    documents: Iterator[tuple[dict[str, Any], int]]
    if fmt == "native":
        documents, description = native_rows(dataset.items.all()), NATIVE_DESCRIPTION
    elif fmt == RELEASE:
        documents, description = release_rows(dataset.items.all()), RELEASE_DESCRIPTION
    else:
        raise ValueError(f"format: choose native or {RELEASE}")
    out.mkdir(parents=True, exist_ok=True)
    name = "items" if fmt == "native" else RELEASE
    count = _one_file(out, name, documents, on_rows)
    head = {"dataset": {"id": dataset.pk, "name": dataset.name, "source_format": dataset.source_format}}
    return _write_manifest(out, head, fmt, {name: count}, {name: f"{name}.jsonl"}, {name: {"description": description}})
