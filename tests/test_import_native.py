from __future__ import annotations

import gzip

import pytest

from annotation.datasets.models import Dataset, Item, PlantedFlaw
from assist.models import Backend, CriticConfig, Critique, CritiqueComment
from tests.importing import code_row, import_bytes, jsonl, summary_row

pytestmark = pytest.mark.django_db


def test_jsonl_items_land_with_their_fields() -> None:
    result = import_bytes(jsonl(summary_row(id="s1", metadata={"source": "unit"}), code_row(id="c1")))
    assert (result.items, result.duplicates_skipped, result.format) == (2, 0, "jsonl")
    summary = Item.objects.get(external_id="s1")
    assert summary.kind == "summary"
    assert summary.question.startswith("What does")
    assert summary.author == "model-a"
    assert summary.metadata == {"source": "unit"}
    code = Item.objects.get(external_id="c1")
    assert (code.kind, code.language, code.tests) == ("code", "python", "assert biggest(1, 2) == 2\n")
    assert len(code.content_hash) == 64


def test_flaws_are_located_by_span_quote_or_lines() -> None:
    row = code_row(
        flaws=[
            {"start": 26, "end": 31, "description": "by span", "severity": "critical", "category": "bug"},
            {"quote": "return a", "description": "by quote"},
            {"line_start": 4, "description": "by line"},
        ]
    )
    import_bytes(jsonl(row))
    flaws = {flaw.description: flaw for flaw in PlantedFlaw.objects.all()}
    response = Item.objects.get().response
    assert response[flaws["by span"].start : flaws["by span"].end] == "a < b"
    assert (flaws["by span"].line_start, flaws["by span"].line_end, flaws["by span"].severity) == (2, 2, "critical")
    assert response[flaws["by quote"].start : flaws["by quote"].end] == "return a"
    assert flaws["by quote"].line_start == 3
    assert response[flaws["by line"].start : flaws["by line"].end] == "    return b"
    assert flaws["by line"].category == "other"
    assert {flaw.origin for flaw in flaws.values()} == {"import"}


def test_repeated_items_are_skipped_and_counted_within_a_file_and_across_imports() -> None:
    first = import_bytes(jsonl(summary_row(), summary_row(), code_row()))
    assert (first.items, first.duplicates_skipped) == (2, 1)
    again = import_bytes(jsonl(summary_row(), summary_row(response="A different answer.")))
    assert (again.items, again.duplicates_skipped, again.created_dataset) == (1, 1, False)
    assert Item.objects.count() == 3
    assert Dataset.objects.count() == 1


def test_the_same_content_may_live_in_two_datasets() -> None:
    import_bytes(jsonl(summary_row()), name="one")
    import_bytes(jsonl(summary_row()), name="two")
    assert Item.objects.count() == 2


def test_critiques_in_native_rows_are_anchored_or_flagged_ungrounded() -> None:
    row = summary_row(
        critiques=[
            {
                "critic": "my-critic",
                "text": "Two problems.",
                "helpful": True,
                "comments": [
                    {
                        "quote": "planted tomatoes in June",
                        "comment": "It was May.",
                        "severity": "major",
                        "category": "accuracy",
                    },
                    {"quote": "planted roses in July", "comment": "Not in the response at all."},
                ],
            }
        ]
    )
    result = import_bytes(jsonl(row))
    assert (result.critiques, result.critique_comments, result.helpful_critiques) == (1, 2, 1)
    assert CriticConfig.objects.get(name="my-critic").backend == Backend.IMPORTED
    critique = Critique.objects.get()
    assert critique.chosen and critique.sample_index == 0
    grounded, ungrounded = CritiqueComment.objects.order_by("position")
    response = Item.objects.get().response
    assert grounded.grounded and response[grounded.start : grounded.end] == "planted tomatoes in June"
    assert not ungrounded.grounded and ungrounded.start is None and ungrounded.is_ungrounded


def test_csv_rows_with_json_columns_and_multiline_cells() -> None:
    data = (
        b"id,kind,context,question,response,author,flaws\n"
        b's1,summary,"A passage\nover two lines.",Q?,An answer.,m,"[{""quote"": ""answer"", ""description"": ""d""}]"\n'
        b'c1,code,Problem.,,"def f():\n    return 1\n",m,\n'
    )
    result = import_bytes(data, fmt="auto", filename="items.csv")
    assert (result.format, result.items, result.planted_flaws) == ("csv", 2, 1)
    assert Item.objects.get(external_id="s1").context == "A passage\nover two lines."
    assert Item.objects.get(external_id="c1").response == "def f():\n    return 1\n"


def test_gzipped_jsonl_is_read_transparently() -> None:
    result = import_bytes(gzip.compress(jsonl(summary_row(), code_row())), filename="items.jsonl.gz")
    assert result.items == 2


def test_a_utf8_bom_is_accepted() -> None:
    assert import_bytes(b"\xef\xbb\xbf" + jsonl(summary_row())).items == 1
