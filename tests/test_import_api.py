from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.datasets.models import Item
from annotation.users import User
from tests.importing import jsonl, summary_row

pytestmark = pytest.mark.django_db


def upload(client: Client, data: bytes, name: str = "api-ds", filename: str = "x.jsonl", **extra: str) -> Any:
    return client.post("/api/datasets/import/", {"file": SimpleUploadedFile(filename, data), "name": name, **extra})


def test_importing_through_the_api_reports_what_landed(researcher_client: Client, researcher: User) -> None:
    response = upload(researcher_client, jsonl(summary_row(), summary_row()))
    assert response.status_code == 201
    body = response.json()
    assert (body["items"], body["duplicates_skipped"], body["format"]) == (1, 1, "jsonl")
    listing = researcher_client.get("/api/datasets/").json()
    assert listing["results"][0]["item_count"] == 1
    assert listing["results"][0]["created_by"] == researcher.username
    items = researcher_client.get(f"/api/datasets/{body['dataset_id']}/items/").json()
    assert items["results"][0]["response"] == summary_row()["response"]


def test_api_errors_name_line_and_field_and_import_nothing(researcher_client: Client) -> None:
    response = upload(researcher_client, jsonl(summary_row(), summary_row(kind="essay")))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Nothing was imported."
    assert body["errors"][0]["line"] == 2
    assert body["errors"][0]["field"] == "kind"
    assert Item.objects.count() == 0


def test_a_missing_file_or_name_is_a_400(researcher_client: Client) -> None:
    response = researcher_client.post("/api/datasets/import/", {"name": "x"})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["file"]  # the documented ImportError shape


def test_token_authentication_for_scripts(researcher: User) -> None:
    token = Token.objects.create(user=researcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/datasets/import/",
        {"file": SimpleUploadedFile("a.jsonl", jsonl(summary_row())), "name": "scripted"},
        format="multipart",
    )
    assert response.status_code == 201


def test_schema_and_docs_are_served(researcher_client: Client, client: Client) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/datasets/import/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()
