"""Contractor text that a spreadsheet would run as a formula is written as text in every CSV Redline writes."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from annotation.labeling.models import FlawReport
from annotation.results.exporting.writers import csv_lines, spreadsheet_safe
from annotation.users import User
from tests.conftest import client_for
from tests.studies import World, make_world, submitted_review

pytestmark = pytest.mark.django_db
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB"]


def test_formula_starts_get_an_apostrophe_and_nothing_else_changes() -> None:
    assert [spreadsheet_safe(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [spreadsheet_safe(v) for v in ("plain", 3, -2.5, None, "a=b")] == ["plain", 3, -2.5, None, "a=b"]
    lines = "".join(csv_lines(["text"], [(v,) for v in HOSTILE]))
    assert [row[0] for row in csv.reader(io.StringIO(lines))][1:] == ["'" + v for v in HOSTILE]


def test_a_study_export_as_csv_neutralises_a_contractors_formula(researcher: User, contractor: User) -> None:
    world: World = make_world(researcher, [contractor], items=1)
    review = submitted_review(world, contractor, "assisted", 0, [(4, 7)])
    FlawReport.objects.filter(review=review).update(description=HOSTILE[0])
    url = reverse("study-export", args=[world.study.pk, "flaw_reports", "csv"])
    response = client_for(researcher).get(url)
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]  # a streamed download
    descriptions = [row["description"] for row in csv.DictReader(io.StringIO(body))]
    assert descriptions == ["'" + HOSTILE[0]]
