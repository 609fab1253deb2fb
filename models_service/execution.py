"""The execution critic: run a code item's tests in the sandbox and turn failures into comments.

It needs no GPU, so the demo has real critiques. A failure raised inside the response
quotes the failing line; a failed assertion in the tests is described with no quote.
"""

from __future__ import annotations

import re
import time

from models_service.anchoring import anchor_quote, lines_to_span
from models_service.critique import CommentDraft, Sample
from models_service.generate import ItemCritique
from models_service.prompts import ItemInput
from models_service.sandbox import Limits, Mode, RunResult, prelude_line_count, run_python

_FRAME = re.compile(r'File "[^"]*program\.py", line (\d+)')
_ERROR_LINE = re.compile(r"^(\w+(?:Error|Exception|Exit)|AssertionError)(?::\s*(.*))?$", re.MULTILINE)


def _failing_response_line(result: RunResult, response: str, limits: Limits) -> int | None:
    """The deepest traceback frame that lies inside the response, as a 1-based response line."""
    offset = prelude_line_count(limits)
    last_line = len(response.splitlines())
    found = None
    for match in _FRAME.finditer(result.stderr):
        line = int(match.group(1)) - offset
        if 1 <= line <= last_line:
            found = line
    return found


def _failed_assertion(result: RunResult, response: str, tests: str, limits: Limits) -> str:
    offset = prelude_line_count(limits) + len(response.splitlines()) + 2
    test_lines = tests.splitlines()
    lines = [int(m.group(1)) - offset for m in _FRAME.finditer(result.stderr)]
    for line in reversed(lines):
        if 1 <= line <= len(test_lines):
            return test_lines[line - 1].strip()
    return ""


def _error(result: RunResult) -> tuple[str, str]:
    errors = _ERROR_LINE.findall(result.stderr)
    kind, message = errors[-1] if errors else ("Failure", " ".join(result.stderr.strip().splitlines()[-1:]))
    return kind, message


def failing_test_report(item: ItemInput, *, limits: Limits = Limits(), mode: Mode = "auto") -> str:
    """What an execution-informed critic is told: the failing test and the error, without a traceback
    (its line numbers are the sandbox's, not the response's). Empty when the tests pass or are absent."""
    if item.kind != "code" or not item.tests.strip():
        return ""
    result = run_python(f"{item.response}\n\n{item.tests}", limits=limits, mode=mode)
    if result.timed_out:
        return f"The tests did not finish within {limits.wall_s:g} s: the code may loop forever."
    if result.passed:
        return ""
    kind, message = _error(result)
    lines = [f"{kind}{': ' + message if message else ''}"]
    assertion = _failed_assertion(result, item.response, item.tests, limits)
    if assertion:
        lines.insert(0, f"Failing test: {assertion}")
    line = _failing_response_line(result, item.response, limits)
    if line is not None:
        lines.append(f"Raised at line {line} of the code: {item.response.splitlines()[line - 1].strip()}")
    return "\n".join(lines)


def execution_critique(item: ItemInput, *, limits: Limits = Limits(), mode: Mode = "auto") -> ItemCritique:
    started = time.perf_counter()
    if not item.tests.strip():
        sample = Sample(raw="", error="the item has no tests to run")
        return ItemCritique([sample], -1, None, time.perf_counter() - started)
    result = run_python(f"{item.response}\n\n{item.tests}", limits=limits, mode=mode)
    comments: list[CommentDraft] = []
    if result.timed_out:
        comments.append(
            CommentDraft(
                "",
                f"The tests did not finish within the limits ({limits.cpu_s} s of CPU, "
                f"{limits.wall_s:g} s in all): the code may loop forever or be too slow.",
                "critical",
                "bug" if item.kind == "code" else "other",
                None,
            )
        )
    elif not result.passed:
        kind, message = _error(result)
        line = _failing_response_line(result, item.response, limits)
        if line is not None:
            start, end = lines_to_span(item.response, line, line)
            quote = item.response[start:end].strip()
            comments.append(
                CommentDraft(
                    quote,
                    f"Running the tests raises {kind}{': ' + message if message else ''} at this line.",
                    "critical",
                    "bug",
                    anchor_quote(item.response, quote),
                )
            )
        else:
            assertion = _failed_assertion(result, item.response, item.tests, limits)
            where = f" `{assertion}`" if assertion else ""
            comments.append(
                CommentDraft(
                    "",
                    f"A test fails ({kind}{': ' + message if message else ''}):{where}. "
                    "The code returns a wrong result for this input.",
                    "critical",
                    "bug",
                    None,
                )
            )
    raw = f"exit status {result.returncode}; timed out: {result.timed_out}\n{result.stderr[-4000:]}"
    sample = Sample(raw=raw, comments=comments, mean_logprob=None)
    return ItemCritique(
        [sample], 0, 1.0 if comments else 0.0, time.perf_counter() - started, notes=[f"isolation: {result.isolation}"]
    )
