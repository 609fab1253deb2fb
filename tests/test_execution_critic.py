"""The execution critic runs real tests in the sandbox and points at the failing line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models_service.execution import execution_critique
from models_service.prompts import ItemInput
from models_service.sandbox import Limits, bwrap_works, run_python

TESTS = "assert f([1, 2, 3]) == 3\nassert f([]) == 0\n"


def critique(response: str, tests: str = TESTS, limits: Limits = Limits()) -> tuple[list[tuple[str, str, bool]], float]:
    result = execution_critique(
        ItemInput("code", "Count the items.", response, tests=tests), limits=limits, mode="bwrap"
    )
    comments = [(c.quote, c.comment, c.grounded) for c in result.samples[0].comments]
    assert result.critiqueability is not None
    return comments, result.critiqueability


def test_passing_code_gets_no_comment() -> None:
    assert critique("def f(xs):\n    return len(xs)\n") == ([], 0.0)


def test_an_exception_inside_the_response_quotes_its_line() -> None:
    comments, p_flawed = critique("def f(xs):\n    total = 0\n    return xs[3]\n")
    assert p_flawed == 1.0
    assert comments == [
        ("return xs[3]", "Running the tests raises IndexError: list index out of range at this line.", True)
    ]


def test_a_failed_assertion_names_the_test_and_quotes_nothing() -> None:
    comments, _ = critique("def f(xs):\n    return len(xs) + 1\n")
    ((quote, text, grounded),) = comments
    assert (quote, grounded) == ("", False)
    assert "`assert f([1, 2, 3]) == 3`" in text


def test_an_endless_loop_is_stopped_and_reported() -> None:
    comments, _ = critique("def f(xs):\n    while True:\n        pass\n", limits=Limits(cpu_s=1, wall_s=5))
    assert "did not finish within the limits" in comments[0][1]


def test_items_without_tests_are_failed_with_a_reason() -> None:
    result = execution_critique(ItemInput("code", "c", "x = 1\n"))
    assert result.chosen == -1
    assert result.samples[0].error == "the item has no tests to run"


@pytest.mark.parametrize("copies", [False, True], ids=["linked", "copied"])
def test_the_sandbox_runs_an_interpreter_that_lives_under_tmp(tmp_path: Path, copies: bool) -> None:
    """A checkout in `mktemp -d` has its virtualenv under /tmp, which the sandbox covers with its own."""
    assert str(tmp_path).startswith("/tmp/")
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", *(["--copies"] if copies else []), str(venv)], check=True
    )
    assert bwrap_works(), "bubblewrap must run here (make test installs it)"
    result = run_python("print(6 * 7)", mode="bwrap", python=str(venv / "bin" / "python"))
    assert (result.passed, result.stdout.strip(), result.isolation) == (True, "42", "bwrap"), result.stderr
