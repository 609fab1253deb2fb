"""Hostile files each get an error naming the line and field, never a 500, and nothing is written."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
from django.test import Client, override_settings

from tests.importing import import_bytes, jsonl, summary_row
from tests.test_import_errors import assert_nothing_written, errors_of

pytestmark = pytest.mark.django_db
ROW = json.dumps(summary_row())[:-1]  # an open object, to append a hostile field to


@pytest.mark.parametrize(
    ("line", "field", "says"),
    [
        (ROW + ', "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}", "", "nested more than"),
        (ROW + ', "metadata": {"n": ' + "9" * 5000 + "}}", "", "number Redline cannot read"),
        (ROW + ', "metadata": {"score": NaN}}', "", "NaN is not a JSON value"),
        (ROW + ', "metadata": {"score": Infinity}}', "", "Infinity is not a JSON value"),
        (ROW.replace('"response": "', '"response": "\\ud800', 1) + "}", "", "unpaired surrogate"),
        (ROW + ', "flaws": [{"start": 1, "end": ' + "9" * 30 + ', "description": "x"}]}', "flaws[0].end", "at most"),
    ],
    ids=["deep", "huge-int", "nan", "infinity", "surrogate", "beyond-integer"],
)
def test_a_hostile_jsonl_line_is_refused_with_its_line(line: str, field: str, says: str) -> None:
    errors = errors_of(jsonl(summary_row(), line))
    assert errors[0][0] == 2 and errors[0][1] == field and says in errors[0][2], errors
    assert_nothing_written()


def _csv(**cells: str) -> bytes:
    out = io.StringIO()
    row = {k: v for k, v in summary_row().items() if k != "author"} | cells
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode()


@pytest.mark.parametrize(
    ("cells", "field", "says"),
    [
        ({"metadata": "[" * 50_000 + "]" * 50_000}, "metadata", "nested more than"),
        ({"metadata": '{"x": NaN}'}, "metadata", "NaN is not a JSON value"),
        ({"metadata": '{"x": "\\udfff"}'}, "metadata", "unpaired surrogate"),
        ({"flaws": '[{"start": ' + "1" * 5000 + ', "end": 3, "description": "d"}]'}, "flaws", "number Redline"),
    ],
    ids=["deep", "nan", "surrogate", "huge-int"],
)
def test_a_hostile_csv_cell_is_refused_with_its_line_and_column(cells: dict[str, str], field: str, says: str) -> None:
    errors = errors_of(_csv(**cells), fmt="csv", filename="data.csv")
    assert errors[0][:2] == (2, field) and says in errors[0][2], errors
    assert_nothing_written()


def test_the_upload_page_answers_a_hostile_file_with_its_errors(researcher_client: Client) -> None:
    data = jsonl(ROW + ', "metadata": {"score": NaN}}')
    response = researcher_client.post(
        "/datasets/import/", {"name": "x", "format": "auto", "file": io.BytesIO(data), "description": ""}
    )
    assert response.status_code == 400 and "NaN is not a JSON value" in response.content.decode()
    api = researcher_client.post("/api/datasets/import/", {"name": "x", "file": io.BytesIO(data)})
    assert api.status_code == 400
    assert_nothing_written()


def test_a_text_field_over_the_limit_is_refused_with_its_line_and_field() -> None:
    errors = errors_of(jsonl(summary_row(), summary_row(context="x" * 200_001)))
    assert errors[0][:2] == (2, "context") and "the limit is 200000" in errors[0][2]
    assert_nothing_written()


def test_a_gzip_bomb_is_refused_before_any_line_is_parsed() -> None:
    # 3 MB of zeros inflate from a few KB; parsed, every line would be an error of its own.
    bomb = gzip.compress(b"\0" * 3_000_000 + b"\n")
    with override_settings(REDLINE_IMPORT_MAX_BYTES=1_000_000):
        errors = errors_of(bomb, filename="data.jsonl.gz")
    assert len(errors) == 1 and "larger than 1,000,000 bytes uncompressed" in errors[0][2]
    assert_nothing_written()


def test_lists_of_items_carry_at_most_the_start_of_long_texts(researcher_client: Client) -> None:
    long = "word " * 2_000
    result = import_bytes(jsonl(summary_row(context=long)))
    listed = researcher_client.get("/api/items/").json()["results"][0]
    assert len(listed["context"]) == 2_000 and listed["truncated"] == ["context"]
    whole = researcher_client.get(f"/api/items/{listed['id']}/").json()
    assert whole["context"] == long
    in_dataset = researcher_client.get(f"/api/datasets/{result.dataset_id}/items/").json()["results"][0]
    assert len(in_dataset["context"]) == 2_000
