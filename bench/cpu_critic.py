"""Critic quality without a GPU: SmolLM2-135M on the CPU, prompt by prompt, beside the execution critic.

Items: the 50 demo code items with a planted bug (HumanEval solutions with an AST mutation that
fails the problem's tests) and the demo summaries with a planted flaw. For every critic and prompt
it prints critiques/s, the fraction of comments grounded (quote found in the response), the
fraction that copy the prompt (its worked example, or six words running of its instructions), and
per kind the *content-judged* catch rate: a comment must point at the flaw and name the fault
(tests/critic_judge.py) — beside the location-only rate the first version of this bench reported.
A sample of caught and missed cases follows, so a person can check the judge. Last line: one JSON
object. No database needed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real")
django.setup()  # the demo items come from annotation.demo; no database is touched

from annotation.demo.code_items import KeptMutant, find_mutants, load_problems  # noqa: E402
from models_service.client import CriticClient, ServerDialect  # noqa: E402
from models_service.critique import CommentDraft  # noqa: E402
from models_service.execution import execution_critique, failing_test_report  # noqa: E402
from models_service.generate import GenerationSettings, ItemCritique, critique_item  # noqa: E402
from models_service.prompts import PROMPT_VERSIONS, ItemInput, critique_messages, task_text  # noqa: E402
from tests.cpu_critic import SERVED_NAME  # noqa: E402
from tests.critic_judge import Flaw, judge, mutant_flaw, summary_flaw  # noqa: E402

SUMMARIES = ROOT / "annotation" / "demo" / "summaries.jsonl"
DEFAULT = "smollm2 v3 lines"
COPY_RUN = 6  # words in a row shared with the prompt's own text that count as copying it
# The worked examples prompt v2 showed; a comment repeating one is copied whatever the prompt.
EXAMPLE_COMMENTS = ("subtracts instead of adding", "the passage says he feeds them once a week")


@dataclass(frozen=True)
class Case:
    item: ItemInput
    flaw: Flaw


@dataclass(frozen=True)
class Critic:
    name: str
    prompt: str = "v3"
    quote_mode: str = "free"
    execution_hint: bool = False
    execution_only: bool = False


CRITICS = (
    Critic("smollm2 v2 free", prompt="v2"),
    Critic("smollm2 v3 free"),
    Critic(DEFAULT, quote_mode="lines"),
    Critic("smollm2 v3 lines + failing test", quote_mode="lines", execution_hint=True),
    Critic("execution critic", execution_only=True),
)


def code_cases(count: int) -> list[Case]:
    mutants: list[KeptMutant] = find_mutants(load_problems(min(164, count + 20)), seed=2024)[:count]
    cases = []
    for mutant in mutants:
        m = mutant.mutation
        flaw = mutant_flaw(mutant.problem.source, m.start, m.end, m.replacement, m.operator, m.description)
        item = ItemInput("code", mutant.problem.prompt, mutant.source, language="python", tests=mutant.problem.tests)
        cases.append(Case(item, flaw))
    return cases


def summary_cases() -> list[Case]:
    cases = []
    for line in SUMMARIES.read_text().splitlines():
        row = json.loads(line)
        item = ItemInput("summary", row["context"], row["response"], question=row["question"])
        for planted in row["flaws"][:1]:  # one flaw per item: the catch rate counts items
            flaw = summary_flaw(row["response"], planted["quote"], planted["description"])
            if flaw is not None:
                cases.append(Case(item, flaw))
    return cases


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def prompt_runs(item: ItemInput) -> set[tuple[str, ...]]:
    """Every run of COPY_RUN words in the prompts' own text (all versions; the item's text excluded)."""
    runs: set[tuple[str, ...]] = set()
    for version in PROMPT_VERSIONS:
        scaffold = " ".join(m["content"] for m in critique_messages(item, version)).replace(task_text(item), " ")
        words = _words(scaffold)
        runs.update(tuple(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1))
    return runs


def copied(comment: CommentDraft, runs: set[tuple[str, ...]]) -> bool:
    said = " ".join(_words(comment.comment))
    if any(example in said for example in EXAMPLE_COMMENTS):
        return True
    words = _words(comment.comment)
    return any(tuple(words[i : i + COPY_RUN]) in runs for i in range(len(words) - COPY_RUN + 1))


def figures(cases: list[Case], results: list[ItemCritique], seconds: float) -> tuple[dict[str, object], list[str]]:
    comments = grounded = copies = tokens = 0
    caught: dict[str, list[int]] = {}
    located: dict[str, list[int]] = {}
    samples: list[str] = []
    runs_by_kind = {kind: prompt_runs(next(c.item for c in cases if c.item.kind == kind)) for kind in _kinds(cases)}
    for case, result in zip(cases, results, strict=True):
        kind = case.item.kind
        tokens += result.completion_tokens
        chosen = result.samples[result.chosen].comments if result.chosen >= 0 else []
        comments += len(chosen)
        grounded += sum(1 for c in chosen if c.grounded)
        copies += sum(1 for c in chosen if copied(c, runs_by_kind[kind]))
        verdict = judge(case.item.response, case.flaw, chosen, kind=kind)
        caught.setdefault(kind, []).append(int(verdict.caught))
        located.setdefault(kind, []).append(int(verdict.located))
        samples.append(_sample(case, verdict.caught, verdict.located, verdict.comment, chosen))
    row: dict[str, object] = {
        "critiques_per_s": round(len(cases) / seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
        "comments": comments,
        "grounded_fraction": round(grounded / comments, 3) if comments else 0.0,
        "copied_example_fraction": round(copies / comments, 3) if comments else 0.0,
        "catch_rate_by_kind": {k: round(sum(v) / len(v), 3) for k, v in caught.items()},
        "located_rate_by_kind": {k: round(sum(v) / len(v), 3) for k, v in located.items()},
        "failed": sum(1 for r in results if r.chosen < 0),
    }
    return row, samples


def _kinds(cases: list[Case]) -> list[str]:
    return sorted({case.item.kind for case in cases})


def _sample(case: Case, caught: bool, located: bool, comment: CommentDraft | None, chosen: list[CommentDraft]) -> str:
    state = "CAUGHT" if caught else "located, fault not named" if located else "missed"
    said = comment or (chosen[0] if chosen else None)
    what = f"{said.quote[:60]!r} -> {said.comment[:110]!r}" if said else "(no comments)"
    return f"  [{state}] {case.item.kind}: {case.flaw.description[:90]}\n      said: {what}"


async def run_model(url: str, cases: list[Case], critic: Critic) -> tuple[list[ItemCritique], float]:
    settings = GenerationSettings(
        strategy="single",
        max_tokens=300,
        temperature=0.7,
        seed=1,
        prompt_version=critic.prompt,
        quote_mode=critic.quote_mode,
        with_critiqueability=False,
    )
    async with CriticClient(
        url, SERVED_NAME, timeout_s=300, dialect=ServerDialect(json_schema="json_object", supports_n=False)
    ) as client:
        started = time.perf_counter()
        results = []
        for case in cases:
            item = case.item
            if critic.execution_hint:
                item = replace(item, failure=await asyncio.to_thread(failing_test_report, item))
            results.append(await critique_item(client, item, settings))
        return results, time.perf_counter() - started


def run_critic(url: str, cases: list[Case], critic: Critic) -> tuple[dict[str, object], list[str]]:
    if critic.execution_only or critic.execution_hint:
        cases = [case for case in cases if case.item.kind == "code"]
    if critic.execution_only:
        started = time.perf_counter()
        results = [execution_critique(case.item) for case in cases]
        return figures(cases, results, time.perf_counter() - started)
    results, seconds = asyncio.run(run_model(url, cases, critic))
    return figures(cases, results, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50, help="code items (all demo summaries with a flaw are added)")
    parser.add_argument("--critics", default="", help="comma-separated names to run (default: all)")
    parser.add_argument("--samples", type=int, default=3, help="caught and missed cases printed per critic")
    args = parser.parse_args()
    from tests.cpu_critic import CpuCriticProcess

    cases = code_cases(args.items) + summary_cases()
    chosen = [c for c in CRITICS if not args.critics or c.name in args.critics.split(",")]
    print(
        f"{sum(c.item.kind == 'code' for c in cases)} code items with a planted bug, "
        f"{sum(c.item.kind == 'summary' for c in cases)} summaries with a planted flaw"
    )
    server = CpuCriticProcess()
    rows: dict[str, dict[str, object]] = {}
    try:
        for critic in chosen:
            rows[critic.name], samples = run_critic(server.url, cases, critic)
            print(f"\n{critic.name}: {json.dumps(rows[critic.name])}")
            caught = [s for s in samples if "[CAUGHT]" in s][: args.samples]
            missed = [s for s in samples if "[CAUGHT]" not in s][: args.samples]
            print("\n".join(caught + missed))
    finally:
        server.stop()

    print(f"\n{'critic':<34}{'crit/s':>7}{'grounded':>9}{'copied':>8}{'code catch':>11}{'summary':>9}{'located':>9}")
    for name, row in rows.items():
        catch = row["catch_rate_by_kind"]
        where = row["located_rate_by_kind"]
        assert isinstance(catch, dict) and isinstance(where, dict)
        print(
            f"{name:<34}{row['critiques_per_s']:>7.2f}{row['grounded_fraction']:>9.2f}"
            f"{row['copied_example_fraction']:>8.2f}{catch.get('code', float('nan')):>11.2f}"
            f"{catch.get('summary', float('nan')):>9.2f}{where.get('code', float('nan')):>9.2f}"
        )
    default = rows.get(DEFAULT, {})
    summary = {
        "items": len(cases),
        "default_critic": DEFAULT,
        "copied_example_fraction": default.get("copied_example_fraction"),
        "grounded_fraction": default.get("grounded_fraction"),
        "catch_rate_by_kind": default.get("catch_rate_by_kind"),
        "critics": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
