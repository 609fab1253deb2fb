"""Generated files for every import format: each imports whole, or is refused with errors that name
a line (and where it applies, a field). Never another exception, never half an import."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.importing.service import do_import
from annotation.datasets.models import Dataset, Item

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=10,
)
FIELDS = ["kind", "context", "question", "response", "author", "id", "language", "tests", "metadata", "flaws",
          "critiques", "task_id", "prompt", "canonical_solution", "test", "entry_point", "data", "split"]  # fmt: skip
rows = st.dictionaries(
    st.sampled_from(FIELDS) | text,
    json_values | st.sampled_from(["summary", "code", "python"]) | st.lists(st.dictionaries(text, json_values)),
    max_size=8,
)


def _attempt(data: bytes, fmt: str, filename: str) -> None:
    before = (Dataset.objects.count(), Item.objects.count())
    try:
        result = do_import(io.BytesIO(data), name="fuzz", fmt=fmt, filename=filename, size=len(data))
    except ImportFailed as exc:
        assert exc.errors, "refused without a reason"
        for error in exc.errors:
            assert error.line >= 0 and error.message, error
        assert (Dataset.objects.count(), Item.objects.count()) == before  # nothing half-done
        return
    assert result.items + result.duplicates_skipped > 0
    Dataset.objects.filter(name="fuzz").delete()


@FUZZ
@given(st.lists(rows | st.binary(max_size=30).map(lambda b: b.decode("latin-1")), min_size=1, max_size=4))
@pytest.mark.parametrize("fmt", ["jsonl", "openai-critiques", "humaneval", "auto"])
def test_generated_json_lines_import_whole_or_not_at_all(fmt: str, lines: list[Any]) -> None:
    body = "".join((json.dumps(line) if isinstance(line, dict) else line.replace("\n", " ")) + "\n" for line in lines)
    _attempt(body.encode("utf-8", errors="surrogatepass"), fmt, "fuzz.jsonl")


@FUZZ
@given(
    st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True),
    st.lists(st.lists(text | json_values.map(json.dumps), min_size=0, max_size=7), min_size=1, max_size=4),
)
def test_generated_csv_imports_whole_or_not_at_all(header: list[str], records: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(records)
    _attempt(out.getvalue().encode("utf-8", errors="surrogatepass"), "csv", "fuzz.csv")
