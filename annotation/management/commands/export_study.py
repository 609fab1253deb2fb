from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.results.exporting.export import EXPORT_FORMATS, do_export
from annotation.results.exporting.jobs import check_export
from annotation.studies.models import Study


class Command(BaseCommand):
    help = "Export a study's items, assignments, reviews, flaw reports and AI comments, with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("study", help="Study id or exact name.")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
        parser.add_argument("--out", required=True, type=Path, help="A directory; one file per table.")
        parser.add_argument("--tables", nargs="*", help="Only these tables.")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["study"]
        study = Study.objects.filter(pk=int(ref)).first() if ref.isdigit() else Study.objects.filter(name=ref).first()
        if study is None:
            raise CommandError(f"No study {ref!r}.")
        problems = check_export(None, options["format"], options["tables"] or [])
        if problems:
            raise CommandError(" ".join(f"--{field}: {message}." for field, message in problems.items()))
        manifest = do_export(
            study, options["format"], options["out"], tables=options["tables"],
            progress=lambda name, n: self.stdout.write(f"{name}: {n} rows"),
        )  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"Exported study {study.pk} to {options['out']} ({manifest['counts']})"))
