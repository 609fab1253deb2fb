"""do_export: every table of a study in one format, plus a manifest (counts, settings, seed, schema, version)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.utils import timezone

from annotation.exporting.tables import TABLES
from annotation.exporting.writers import FORMATS, write_table
from annotation.models import Study

SCHEMA_VERSION = 1


def do_export(
    study: Study,
    fmt: str,
    out: Path,
    *,
    tables: list[str] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise ValueError(f"format: choose one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files: dict[str, str] = {}
    for name in tables or list(TABLES):
        types, queryset, _ = TABLES[name]
        path = out / f"{name}.{fmt}"
        counts[name] = write_table(path, fmt, types, queryset(study))
        files[name] = path.name
        if progress is not None:
            progress(name, counts[name])
    manifest = {
        "study": {
            "id": study.pk, "name": study.name, "design": study.design, "reviews_per_item": study.reviews_per_item,
            "seed": study.seed, "status": study.status, "match_threshold": study.match_threshold,
            "arms": list(study.arms.values("id", "name", "kind", "critic_id")),
        },
        "format": fmt,
        "files": files,
        "counts": counts,
        "schema": {name: {"description": TABLES[name][2], "columns": TABLES[name][0]} for name in files},
        "schema_version": SCHEMA_VERSION,
        "software": {"redline_schema": SCHEMA_VERSION, "django": version("django")},
        "exported_at": timezone.now().isoformat(),
    }  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return manifest
