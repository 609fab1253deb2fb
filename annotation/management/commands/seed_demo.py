from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from annotation.demo.seed import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create demo users and demo datasets (HumanEval mutants, hand-written summaries). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code-items", type=int, default=None, help="Use only the first N HumanEval problems (default: all 164)."
        )
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--critiques",
            action="store_true",
            help="Queue the execution critic over the code items (once) for the worker to run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("REDLINE_DEMO_PASSWORD", "redline-demo")
        report = seed_demo(
            password=password, code_items=options["code_items"], seed=options["seed"], critiques=options["critiques"]
        )
        for result in report.imports:
            self.stdout.write(result.summary())
        if report.run_id is not None:
            self.stdout.write(f"Queued critique run {report.run_id} (execution critic) for the worker.")
        if report.users_created:
            self.stdout.write(f"Created demo users: {', '.join(report.users_created)}")
        self.stdout.write(
            "Demo logins (password: {}): {}".format(
                password, ", ".join(f"{name} ({role})" for name, role in DEMO_USERS)
            )
        )
