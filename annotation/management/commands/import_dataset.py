from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.importing.reading import FORMATS
from annotation.datasets.importing.service import do_import


class Command(BaseCommand):
    help = "Import a dataset file (JSONL, CSV, the OpenAI critiques release, HumanEval). All or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--name", required=True, help="Dataset name; an existing dataset is extended.")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--description", default="")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as stream:
                result = do_import(
                    stream,
                    name=options["name"],
                    fmt=options["format"],
                    filename=path.name,
                    size=path.stat().st_size,
                    description=options["description"],
                )
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            if exc.truncated:
                self.stderr.write("(stopped after this many errors)")
            raise CommandError(f"Nothing was imported from {path}: {len(exc.errors)} problem(s).") from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
        else:
            self.stdout.write(self.style.SUCCESS(result.summary()))
