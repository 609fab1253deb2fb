"""Bad input gets an error naming its line and field, and nothing is written."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import override_settings

from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.models import Dataset, Item
from assist.models import CriticConfig, Critique
from tests.importing import code_row, import_bytes, jsonl, summary_row

pytestmark = pytest.mark.django_db


def errors_of(data: bytes, **kwargs: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFailed) as caught:
        import_bytes(data, **kwargs)
    return [(error.line, error.field, error.message) for error in caught.value.errors]


def assert_nothing_written() -> None:
    assert (Dataset.objects.count(), Item.objects.count(), Critique.objects.count()) == (0, 0, 0)


def test_one_bad_row_imports_nothing_and_names_line_and_field() -> None:
    data = jsonl(summary_row(), code_row(), summary_row(kind="poem"), summary_row(response=""))
    errors = errors_of(data)
    assert errors[0][:2] == (3, "kind")
    assert "'poem' is not one of: summary, code" in errors[0][2]
    assert errors[1][:2] == (4, "response")
    assert_nothing_written()


def test_a_bad_row_after_a_full_batch_still_rolls_everything_back() -> None:
    rows = [summary_row(response=f"Answer {n}.") for n in range(2100)]
    data = jsonl(*rows, summary_row(context=""))
    assert errors_of(data)[0][:2] == (2101, "context")
    assert_nothing_written()


def test_malformed_json_names_the_line_and_column() -> None:
    data = jsonl(summary_row()) + b'{"kind": "summary", "context": \n'
    line, field, message = errors_of(data)[0]
    assert (line, field) == (2, "")
    assert message.startswith("is not valid JSON: Expecting value at column")


def test_wrong_encoding_is_reported_not_crashed_on() -> None:
    data = (
        jsonl(summary_row())
        + json.dumps(summary_row(response="caf\u00e9"), ensure_ascii=False).encode("latin-1")
        + b"\n"
    )
    line, _, message = errors_of(data)[0]
    assert line == 2
    assert "not valid UTF-8 (byte 0xe9" in message


def test_oversized_files_are_refused_before_reading() -> None:
    with override_settings(REDLINE_IMPORT_MAX_BYTES=100):
        line, _, message = errors_of(jsonl(summary_row()))[0]
    assert line == 0
    assert "the limit is 100" in message


def test_a_small_gzip_that_expands_past_the_limit_is_refused() -> None:
    bomb = gzip.compress(jsonl(*[summary_row(response=f"A{n}") for n in range(200)]))
    with override_settings(REDLINE_IMPORT_MAX_BYTES=len(bomb) + 10):
        _, _, message = errors_of(bomb)[0]
    assert "uncompressed" in message
    assert_nothing_written()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (b'[{"kind": "summary"}]', "this looks like a JSON array"),
        (b"hello there\n", "cannot tell the file's format"),
    ],
)
def test_files_that_are_not_item_files_say_why(data: bytes, expected: str) -> None:
    assert expected in errors_of(data)[0][2]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (summary_row(respones="typo"), "respones", "unknown field"),
        (summary_row(context=7), "context", "must be a string, not int"),
        (summary_row(metadata=[1]), "metadata", "must be an object"),
        (summary_row(tests="assert 1"), "tests", "only code items have tests"),
        (summary_row(flaws={"quote": "x"}), "flaws", "must be a list"),
        (summary_row(flaws=[{"quote": "Anna"}]), "flaws[0].description", "is required"),
        (summary_row(flaws=[{"quote": "Zebra", "description": "d"}]), "flaws[0].quote", "not found"),
        (summary_row(flaws=[{"start": 5, "end": 999, "description": "d"}]), "flaws[0].end", "outside the response"),
        (summary_row(flaws=[{"start": 5, "description": "d"}]), "flaws[0].end", "given together"),
        (
            summary_row(flaws=[{"start": 0, "end": 4, "description": "d", "severity": "huge"}]),
            "flaws[0].severity",
            "not one of: critical, major, minor",
        ),
        (
            summary_row(flaws=[{"start": 0, "end": 4, "description": "d", "category": "bug"}]),
            "flaws[0].category",
            "not one of: accuracy, coverage, coherence, other",
        ),
        (code_row(flaws=[{"line_start": 9, "description": "d"}]), "flaws[0].line_end", "outside the response"),
        (summary_row(critiques=[{"text": "x"}]), "critiques[0].critic", "is required"),
        (summary_row(critiques=[{"critic": "c"}]), "critiques[0].text", "needs a text or at least one comment"),
        (
            summary_row(critiques=[{"critic": "c", "comments": [{"quote": "q"}]}]),
            "critiques[0].comments[0].comment",
            "is required",
        ),
        (
            summary_row(critiques=[{"critic": "c", "text": "t", "helpful": "yes"}]),
            "critiques[0].helpful",
            "must be true, false or null",
        ),
        (summary_row(id="x" * 201), "id", "the limit is 200"),
        (summary_row(response="nul\u0000byte"), "response", "NUL character"),
    ],
)
def test_each_bad_field_is_named(row: dict[str, object], field: str, message: str) -> None:
    errors = errors_of(jsonl(summary_row(id="ok"), row))
    assert errors[0][0] == 2
    assert errors[0][1] == field
    assert message in errors[0][2]
    assert_nothing_written()


def test_csv_header_and_cell_problems_are_located() -> None:
    missing = errors_of(b"kind,context\nsummary,x\n", filename="a.csv")
    assert missing == [(1, "response", "column is missing from the header")]
    ragged = errors_of(b"kind,context,response\nsummary,x,y\nsummary,x,y,z\n", filename="a.csv")
    assert ragged[0][0] == 3
    assert "4 cells; the header has 3" in ragged[0][2]
    bad_json = errors_of(b'kind,context,response,flaws\nsummary,x,y,"[{oops"\n', filename="a.csv")
    assert bad_json[0][:2] == (2, "flaws")


def test_errors_stop_at_the_configured_limit() -> None:
    rows = [summary_row(kind="bad", response=f"r{n}") for n in range(30)]
    with override_settings(REDLINE_IMPORT_MAX_ERRORS=5), pytest.raises(ImportFailed) as caught:
        import_bytes(jsonl(*rows))
    assert len(caught.value.errors) == 5
    assert caught.value.truncated


def test_a_critic_name_taken_by_a_live_critic_is_refused() -> None:
    CriticConfig.objects.create(name="vllm-critic", backend="openai")
    errors = errors_of(jsonl(summary_row(critiques=[{"critic": "vllm-critic", "text": "t"}])))
    assert errors == [(0, "critic", "a critic named 'vllm-critic' already exists and is not an imported critic")]
    assert Item.objects.count() == 0


def test_an_unknown_format_name_is_refused() -> None:
    assert errors_of(jsonl(summary_row()), fmt="xml")[0][:2] == (0, "format")


def test_the_wrong_explicit_format_reports_fields_not_a_crash() -> None:
    errors = errors_of(jsonl(summary_row()), fmt="humaneval")
    assert {field for _, field, _ in errors} >= {"task_id", "prompt", "entry_point"}
