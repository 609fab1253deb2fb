"""HumanEval-style problems: task_id, prompt, canonical_solution (or a completion), test, entry_point.

The item's response is the whole function (prompt plus solution), so line numbers in
reviews match what runs; its tests call the problem's own `check`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from annotation.choices import Kind
from annotation.datasets.importing.errors import ErrorLog
from annotation.datasets.importing.fields import Row
from annotation.datasets.importing.reading import iter_json_lines
from annotation.datasets.importing.records import ParsedItem

FIELDS = {"task_id", "prompt", "canonical_solution", "completion", "test", "entry_point", "author"}


def humaneval_tests(test: str, entry_point: str) -> str:
    return f"{test.rstrip()}\n\n\ncheck({entry_point})\n"


def parse_humaneval(stream: IO[bytes], errors: ErrorLog) -> Iterator[ParsedItem]:
    for number, data in iter_json_lines(stream, errors):
        row = Row(data, number, errors)
        row.reject_unknown(FIELDS)
        task_id = row.text("task_id", required=True, max_length=200)
        prompt = row.text("prompt", required=True)
        entry_point = row.text("entry_point", required=True)
        test = row.text("test", required=True)
        completion = row.text("completion")
        solution = completion or row.text("canonical_solution")
        if not solution:
            row.error("canonical_solution", "is required (or give a completion)")
        if entry_point and not entry_point.isidentifier():
            row.error("entry_point", f"{entry_point!r} is not a Python identifier")
        if not row.ok:
            continue
        author = row.text("author", default="unknown" if completion else "human", max_length=200)
        yield ParsedItem(
            line=number,
            kind=Kind.CODE,
            context=prompt,
            response=prompt + solution,
            author=author,
            external_id=task_id,
            language="python",
            tests=humaneval_tests(test, entry_point),
            metadata={"task_id": task_id, "entry_point": entry_point},
        )
