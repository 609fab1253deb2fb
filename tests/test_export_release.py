"""The OpenAI critiques release format: exporting what was imported gives the same file back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from annotation.datasets.models import Item
from annotation.results.exporting.export import do_export
from annotation.studies.models import Study, StudyItem
from annotation.users import User
from assist.models import Critique
from tests.conftest import shared_file
from tests.factories import CriticConfigFactory, CritiqueFactory
from tests.importing import import_bytes, jsonl

pytestmark = pytest.mark.django_db


def _study_of(owner: User, dataset_name: str) -> Study:
    study = Study.objects.create(name=f"all of {dataset_name}", owner=owner)
    items = Item.objects.filter(dataset__name=dataset_name).order_by("id")
    StudyItem.objects.bulk_create(StudyItem(study=study, item=item) for item in items)
    return study


def _content(dataset_name: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    items = Item.objects.filter(dataset__name=dataset_name).order_by("id")
    critiques = Critique.objects.filter(item__dataset__name=dataset_name).order_by(
        "item_id", "critic_id", "sample_index"
    )
    return (
        list(items.values_list("external_id", "kind", "context", "question", "response", "author", "metadata")),
        list(
            critiques.values_list(
                "item__external_id", "critic__name", "sample_index", "text", "helpful", "metadata", "chosen"
            )
        ),
    )


def test_the_helpfulness_split_round_trips_through_the_release_format(researcher: User, tmp_path: Path) -> None:
    source = shared_file("openai-critiques-helpfulness-test.jsonl")
    call_command("import_dataset", str(source), "--name", "original")
    study = _study_of(researcher, "original")

    call_command("export_study", str(study.pk), "--format", "openai-critiques", "--out", str(tmp_path))

    exported = (tmp_path / "openai-critiques.jsonl").read_text(encoding="utf-8").splitlines()
    original = source.read_text(encoding="utf-8").splitlines()
    assert len(exported) == 329
    assert [json.loads(line) for line in exported] == [json.loads(line) for line in original]
    assert exported == original  # same keys in the same order, byte for byte
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"] == {"openai-critiques": 329} and manifest["format"] == "openai-critiques"

    call_command("import_dataset", str(tmp_path / "openai-critiques.jsonl"), "--name", "again")
    assert _content("again") == _content("original")
    assert Critique.objects.filter(item__dataset__name="again", helpful=True).count() == 1776


def test_the_critiques_and_base_variants_round_trip(researcher: User, tmp_path: Path) -> None:
    passage = {"text": "Mira sold her boat in 1999 and moved inland to farm goats.", "title": None}
    labeled = {
        "text": "It says 2001; the passage says 1999.",
        "category": "accuracy",
        "severity": 5,
        "response_quotes": ["in 2001"],
        "extra": {"kept": [1, 2]},
    }
    rows = [
        {
            "id": "r1", "source_id": "s1", "split": "test", "time": 1654294840.425288, "labeler": "L",
            "is_topic_based_summarization": False,
            "data": {"passage": passage, "questions": [
                {"question": "When?", "rankings": [1, None], "answers": [
                    {"answer": "She sold it in 2001.", "author": "model",
                     "feedback": {"rating": 3, "critiques": [labeled]}},
                    {"answer": "In 1999.", "critiques": [{"critique": "Fine.", "feedback": {"helpful": False}}]},
                ]},
                {"question": "Where to?", "answer": "Inland.", "feedback": {"rating": 7}},
            ]},
        },
    ]  # fmt: skip
    import_bytes(jsonl(*rows), name="variants")
    study = _study_of(researcher, "variants")

    do_export(study, "openai-critiques", tmp_path)

    lines = (tmp_path / "openai-critiques.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    import_bytes((tmp_path / "openai-critiques.jsonl").read_bytes(), name="variants again")
    assert _content("variants again") == _content("variants")


def test_a_study_sample_exports_only_its_items_grouped_by_passage(researcher: User, tmp_path: Path) -> None:
    source = shared_file("openai-critiques-helpfulness-test.jsonl")
    call_command("import_dataset", str(source), "--name", "original")
    first = json.loads(source.read_text(encoding="utf-8").splitlines()[0])
    study = Study.objects.create(name="sample", owner=researcher)
    chosen = Item.objects.filter(external_id__startswith=f"{first['id']}/").order_by("id")[1:]
    StudyItem.objects.bulk_create(StudyItem(study=study, item=item) for item in chosen)

    ours = CriticConfigFactory.create(name="study-critic")
    CritiqueFactory.create(item=chosen[0], critic=ours, text="Redline's own critique.", helpful=True)

    do_export(study, "openai-critiques", tmp_path)

    (line,) = (tmp_path / "openai-critiques.jsonl").read_text(encoding="utf-8").splitlines()
    questions = json.loads(line)["data"]["questions"]
    added = questions[0]["answers"][0]["critiques"].pop()
    assert added == {
        "critique": "Redline's own critique.",
        "feedback": {"helpful": True, "votes_helpful": 0, "votes_not_helpful": 0},
        "critic": "study-critic",
    }
    assert questions == first["data"]["questions"][1:]
