"""Trojan Source: bidirectional overrides and invisible characters are shown, marked, wherever item
text is displayed, and the import that brings them in says where they are."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.users import User
from annotation.web.hidden_chars import describe, reveal
from annotation.web.highlight import numbered_lines
from tests.conftest import client_for
from tests.importing import code_row, import_bytes, jsonl, summary_row
from tests.studies import give, make_world

pytestmark = pytest.mark.django_db
RLO = "\u202e"
SNEAKY = f'access_level = "user{RLO} \u2066// Check if admin\u2069 \u2066"'


def test_hidden_characters_are_kept_marked_and_isolated() -> None:
    html = str(reveal(f"<b>{SNEAKY}</b>"))
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert html.count('class="hidden-char"') == 4 and 'data-cp="U+202E"' in html
    assert RLO in html  # the character itself stays: offsets into the text stay right
    assert describe(SNEAKY) == ["U+202E Right-To-Left Override", "U+2066 Left-To-Right Isolate",
                                "U+2069 Pop Directional Isolate"]  # fmt: skip
    code = numbered_lines(f"x = 1\n{SNEAKY}\n", "python")
    assert 'data-cp="U+202E"' in str(code[1].html) and "hidden-char" not in str(code[0].html)


def test_an_import_warns_where_such_characters_are() -> None:
    result = import_bytes(jsonl(summary_row(), code_row(response=f"def f():\n    return {SNEAKY}\n")))
    assert result.items == 2
    assert result.warnings == [
        {"line": 2, "field": "response", "message": "contains characters that change how text displays: "
         "U+202E Right-To-Left Override, U+2066 Left-To-Right Isolate, U+2069 Pop Directional Isolate; pages mark them"}
    ]  # fmt: skip


def test_the_labeling_item_and_adjudication_pages_mark_them(researcher: User, contractor: User) -> None:
    world = make_world(researcher, [contractor], items=1)
    item = world.items[0]
    item.response = f"The cat sat {RLO}on the mat."
    item.save(update_fields=["response"])
    task = give(world, contractor, world.assisted, item)
    for client, url in (
        (client_for(contractor), reverse("task", args=[task.pk])),
        (client_for(researcher), reverse("item-detail", args=[item.pk])),
        (client_for(researcher), reverse("study-adjudicate-item", args=[world.study.pk, item.pk])),
    ):
        assert 'class="hidden-char" data-cp="U+202E"' in client.get(url).content.decode(), url
