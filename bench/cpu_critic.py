"""The first real critic-quality numbers: SmolLM2-135M on the CPU vs the execution critic.

Runs both critics over the 50 demo code items with planted bugs (HumanEval solutions with an
AST mutation that fails the problem's tests) and prints, for each: critiques/s, tokens/s,
the fraction of comments grounded (quote found in the code), and the catch rate: the
fraction of planted bugs whose lines a grounded comment touches. Last line: one JSON object.
No database needed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real")
django.setup()  # the demo items come from annotation.demo; no database is touched

from annotation.demo.code_items import KeptMutant, find_mutants, load_problems  # noqa: E402
from models_service.client import CriticClient, ServerDialect  # noqa: E402
from models_service.execution import execution_critique  # noqa: E402
from models_service.generate import GenerationSettings, ItemCritique, critique_item  # noqa: E402
from models_service.prompts import ItemInput  # noqa: E402
from tests.cpu_critic import SERVED_NAME  # noqa: E402


@dataclass(frozen=True)
class Case:
    item: ItemInput
    bug_lines: tuple[int, int]


def demo_cases(count: int) -> list[Case]:
    mutants: list[KeptMutant] = find_mutants(load_problems(min(164, count + 20)), seed=2024)[:count]
    cases = []
    for mutant in mutants:
        source = mutant.source
        start, end = mutant.mutation.new_span
        first = source.count("\n", 0, start) + 1
        last = source.count("\n", 0, max(start, end - 1)) + 1
        cases.append(
            Case(
                ItemInput("code", mutant.problem.prompt, source, language="python", tests=mutant.problem.tests),
                (first, last),
            )
        )
    return cases


def figures(cases: list[Case], results: list[ItemCritique], seconds: float) -> dict[str, float]:
    comments = grounded = caught = tokens = 0
    for case, result in zip(cases, results, strict=True):
        tokens += result.completion_tokens
        chosen = result.samples[result.chosen] if result.chosen >= 0 else None
        if chosen is None:
            continue
        comments += len(chosen.comments)
        hits = [c.anchor for c in chosen.comments if c.anchor is not None]
        grounded += len(hits)
        low, high = case.bug_lines
        if any(a.line_start <= high and a.line_end >= low for a in hits):
            caught += 1
    return {
        "critiques_per_s": round(len(cases) / seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
        "grounded_fraction": round(grounded / comments, 3) if comments else 0.0,
        "catch_rate": round(caught / len(cases), 3),
        "comments": comments,
        "failed": sum(1 for r in results if r.chosen < 0),
    }


async def run_cpu(url: str, cases: list[Case]) -> tuple[list[ItemCritique], float]:
    settings = GenerationSettings(
        strategy="single", max_tokens=300, temperature=0.7, seed=1, prompt_version="v2", with_critiqueability=False
    )
    async with CriticClient(
        url, SERVED_NAME, timeout_s=300, dialect=ServerDialect(json_schema="json_object", supports_n=False)
    ) as client:
        started = time.perf_counter()
        results = [await critique_item(client, case.item, settings) for case in cases]
        return results, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()
    from tests.cpu_critic import CpuCriticProcess

    cases = demo_cases(args.items)
    print(f"{len(cases)} demo code items with a planted bug")

    started = time.perf_counter()
    execution = [execution_critique(case.item) for case in cases]
    execution_figures = figures(cases, execution, time.perf_counter() - started)

    server = CpuCriticProcess()
    try:
        cpu_results, seconds = asyncio.run(run_cpu(server.url, cases))
    finally:
        server.stop()
    cpu_figures = figures(cases, cpu_results, seconds)

    print(f"{'critic':<28}{'critiques/s':>12}{'tokens/s':>10}{'grounded':>10}{'catch rate':>12}{'failed':>8}")
    for name, row in (("SmolLM2-135M (CPU)", cpu_figures), ("execution (runs the tests)", execution_figures)):
        print(
            f"{name:<28}{row['critiques_per_s']:>12.2f}{row['tokens_per_s']:>10.1f}{row['grounded_fraction']:>10.2f}"
            f"{row['catch_rate']:>12.2f}{row['failed']:>8}"
        )
    print(json.dumps({"items": len(cases), "cpu_critic": cpu_figures, "execution_critic": execution_figures}))


if __name__ == "__main__":
    main()
