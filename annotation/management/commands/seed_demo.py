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
            help="Queue the demo critique runs (execution critic, CPU model critic) once.",
        )
        parser.add_argument(
            "--cpu-critic-url",
            default="http://127.0.0.1:8090/v1",
            help="Where `python -m models_service serve-cpu` listens.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("REDLINE_DEMO_PASSWORD", "redline-demo")
        report = seed_demo(
            password=password,
            code_items=options["code_items"],
            seed=options["seed"],
            critiques=options["critiques"],
            cpu_critic_url=options["cpu_critic_url"],
        )
        for result in report.imports:
            self.stdout.write(result.summary())
        for run_id in report.run_ids:
            self.stdout.write(f"Queued critique run {run_id} for the worker.")
        if report.users_created:
            self.stdout.write(f"Created demo users: {', '.join(report.users_created)}")
        logins = ", ".join(f"{name} ({role})" for name, role in DEMO_USERS)
        self.stdout.write(f"Demo logins (password: {password}): {logins}")
