from __future__ import annotations

import pytest
from django.core.management import call_command

from annotation.datasets.models import Item
from assist.models import Backend, CriticConfig, Critique, CritiqueComment
from tests.conftest import shared_file
from tests.importing import import_bytes, jsonl

pytestmark = pytest.mark.django_db

PASSAGE = {"text": "Mira sold her boat in 1999 and moved inland to farm goats.", "title": "Mira"}


def test_the_released_helpfulness_test_split_imports_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("openai-critiques-helpfulness-test.jsonl")
    call_command("import_dataset", str(path), "--name", "helpfulness-test")
    out = capsys.readouterr().out
    assert "Imported 961 items" in out
    assert "5,507 critiques (1,776 marked helpful)" in out
    assert Item.objects.count() == 961
    assert Critique.objects.count() == 5507
    assert Critique.objects.filter(helpful=True).count() == 1776
    assert Critique.objects.filter(helpful=False).count() == 5507 - 1776
    critic = CriticConfig.objects.get()
    assert (critic.name, critic.backend) == ("openai-critiques/helpfulness", Backend.IMPORTED)
    item = Item.objects.get(external_id="8rNCzYFyWE5JbXluukQHKd2R5oBonF/q0/a0")
    assert item.kind == "summary"
    assert item.question == "What does the story say about the qualities that make a good hero?"
    assert item.response == "No answer"
    assert item.metadata["openai"]["title"] == "The Life of a SideKick [NF]"
    assert item.metadata["openai"]["labeler"].startswith("db559c94")
    assert "rankings" in item.metadata["openai"]["question"]
    # The one empty model critique in the release is kept, with no comment.
    assert Critique.objects.filter(text="").count() == 1
    assert CritiqueComment.objects.count() == 5506


def test_reimporting_the_release_skips_every_item(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("openai-critiques-helpfulness-test.jsonl")
    call_command("import_dataset", str(path), "--name", "h")
    call_command("import_dataset", str(path), "--name", "h", "--json")
    assert '"duplicates_skipped": 961' in capsys.readouterr().out
    assert Critique.objects.count() == 5507


def test_the_critiques_variant_keeps_categories_severities_and_quotes() -> None:
    row = {
        "id": "r1",
        "source_id": "s1",
        "split": "test",
        "labeler": "L",
        "is_topic_based_summarization": True,
        "data": {
            "passage": PASSAGE,
            "questions": [
                {
                    "question": "What did Mira do?",
                    "answers": [
                        {
                            "answer": "Mira sold her car and moved to the coast.",
                            "feedback": {
                                "rating": 2,
                                "critiques": [
                                    {
                                        "text": "She sold a boat, not a car.",
                                        "category": "accuracy",
                                        "severity": 4,
                                        "response_quotes": ["sold her car"],
                                        "refinement": "Mira sold her boat.",
                                    },
                                    {
                                        "text": "She moved inland.",
                                        "category": "accuracy",
                                        "severity": 3,
                                        "response_quotes": ["moved to the seaside"],
                                    },
                                ],
                            },
                        }
                    ],
                }
            ],
        },
    }
    result = import_bytes(jsonl(row))
    assert (result.items, result.critiques, result.critics) == (1, 2, ["openai-critiques/critiques"])
    first, second = CritiqueComment.objects.order_by("critique__sample_index")
    assert (first.category, first.severity, first.grounded) == ("accuracy", "critical", True)
    assert (second.severity, second.grounded) == ("major", False)
    assert Critique.objects.get(sample_index=0).metadata["refinement"] == "Mira sold her boat."
    assert Item.objects.get().metadata["openai"]["feedback"] == {"rating": 2}


def test_the_base_variant_has_one_answer_per_question() -> None:
    row = {
        "id": "b1",
        "data": {
            "passage": PASSAGE,
            "questions": [
                {"question": "Where did Mira go?", "answer": "Inland."},
                {"question": "What did she farm?", "answer": "Goats."},
            ],
        },
    }
    result = import_bytes(jsonl(row))
    assert (result.items, result.critiques, result.format) == (2, 0, "openai-critiques")
    assert set(Item.objects.values_list("external_id", flat=True)) == {"b1/q0/a0", "b1/q1/a0"}


def test_release_rows_with_problems_are_located_by_path() -> None:
    from annotation.datasets.importing.errors import ImportFailed

    bad = {
        "id": "x",
        "data": {
            "passage": PASSAGE,
            "questions": [
                {
                    "question": "Q",
                    "answers": [{"answer": "A", "critiques": [{"critique": 5, "feedback": {"helpful": "y"}}]}],
                },
            ],
        },
    }
    with pytest.raises(ImportFailed) as caught:
        import_bytes(jsonl(bad), fmt="openai-critiques")
    fields = [error.field for error in caught.value.errors]
    assert "data.questions[0].answers[0].critiques[0].critique" in fields
    assert "data.questions[0].answers[0].critiques[0].feedback.helpful" in fields
    assert Item.objects.count() == 0
