from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotation.datasets.models import Item
from tests.importing import code_row, jsonl, summary_row

pytestmark = pytest.mark.django_db


def post(client: Client, data: bytes, htmx: bool = False) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        "/datasets/import/",
        {"file": SimpleUploadedFile("up.jsonl", data), "name": "page", "format": "auto", "description": ""},
        headers=headers,
    )


def test_the_upload_page_has_a_form_and_a_progress_bar(researcher_client: Client) -> None:
    page = researcher_client.get("/datasets/import/").content.decode()
    assert 'hx-encoding="multipart/form-data"' in page
    assert "<progress" in page and "upload-progress.js" in page
    assert 'enctype="multipart/form-data"' in page  # works without JavaScript too


def test_a_good_upload_shows_the_summary(researcher_client: Client) -> None:
    response = post(researcher_client, jsonl(summary_row(), code_row()))
    assert response.status_code == 200
    assert "Imported 2 items into" in response.content.decode()
    assert Item.objects.count() == 2


def test_a_bad_upload_lists_problems_in_a_table(researcher_client: Client) -> None:
    response = post(researcher_client, jsonl(summary_row(), "{not json"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and "is not valid JSON" in page
    partial = post(researcher_client, jsonl(summary_row(), "{not json"), htmx=True)
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<section id="outcome"')
    assert Item.objects.count() == 0


def test_item_text_is_escaped_on_researcher_pages(researcher_client: Client) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post(
        researcher_client,
        jsonl(summary_row(response=payload, question=payload), code_row(response=f"x = '{payload}'\n")),
    )
    for item in Item.objects.all():
        page = researcher_client.get(f"/items/{item.pk}/").content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page or "&lt;</span><span" in page
