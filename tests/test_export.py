"""Exports: every table in every format, a manifest, streaming downloads, and Hugging Face datasets can load them."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.results.exporting.export import do_export
from annotation.results.models import Adjudication
from annotation.users import User
from tests.conftest import client_for
from tests.factories import CritiqueFactory
from tests.studies import World, give, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher: User, contractor: User, other_contractor: User) -> World:
    w = make_world(researcher, [contractor, other_contractor], items=2)
    for n, (person, arm) in enumerate(((contractor, w.assisted), (other_contractor, w.unassisted))):
        task = give(w, person, arm, w.items[n])
        client_for(person).get(reverse("task", args=[task.pk]))
        review = Review.objects.get(assignment=task)
        for k in range(3):
            FlawReport.objects.create(
                review=review,
                start=k,
                end=k + 3,
                quote='x,\n"y"',
                description=f'flaw {k}, with "quotes"\nand a newline',
                severity="minor",
                category="other",
            )
        review.rating, review.status, review.submitted_at = 5, "submitted", timezone.now()
        review.save()
    first, second = CommentJudgement.objects.order_by("position")  # the assisted review's two comments
    CommentJudgement.objects.filter(pk=first.pk).update(action="accepted", helpful=True)
    CritiqueFactory.create(item=w.items[0], critic=w.critic, sample_index=1, text="A worse critique.", helpful=False)
    CommentJudgement.objects.filter(pk=second.pk).update(action="rejected")
    Adjudication.objects.create(
        report=FlawReport.objects.order_by("id")[0], verdict="valid", planted_flaw=w.items[0].planted_flaws.first()
    )
    return w


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_table_exports_with_a_manifest_and_loads_in_hugging_face_datasets(
    world: World, tmp_path: Path, fmt: str
) -> None:
    manifest = do_export(world.study, fmt, tmp_path)
    assert manifest["counts"] == {
        "flaw_reports": 6, "reviews": 2, "assignments": 2, "ai_comments": 2, "items": 2, "preference_pairs": 1,
        "critique_pairs": 1,
    }  # fmt: skip
    assert (
        manifest["study"]["seed"] == world.study.seed
        and manifest["schema"]["flaw_reports"]["columns"]["verdict"] == "str"
    )
    assert json.loads((tmp_path / "manifest.json").read_text())["files"]["reviews"] == f"reviews.{fmt}"
    builder = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}[fmt]
    for table, count in manifest["counts"].items():
        loaded = datasets.load_dataset(
            builder, data_files=str(tmp_path / f"{table}.{fmt}"), split="train", cache_dir=str(tmp_path / "hf")
        )
        assert loaded.num_rows == count, table
    reports = datasets.load_dataset(
        builder, data_files=str(tmp_path / f"flaw_reports.{fmt}"), split="train", cache_dir=str(tmp_path / "hf")
    )
    first = reports[0]
    assert first["description"] == 'flaw 0, with "quotes"\nand a newline' and first["verdict"] == "valid"
    assert sorted(reports["arm"]) == ["Assisted"] * 3 + ["Unassisted"] * 3
    comments = datasets.load_dataset(
        builder, data_files=str(tmp_path / f"ai_comments.{fmt}"), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert set(comments["shown_text"]) == set(CommentJudgement.objects.values_list("shown_text", flat=True))
    pairs = datasets.load_dataset(
        builder, data_files=str(tmp_path / f"preference_pairs.{fmt}"), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert (pairs[0]["chosen"], pairs[0]["rejected"]) == ("AI-CRITIQUE-TEXT 0.0", "AI-CRITIQUE-TEXT 0.1")
    assert pairs[0]["prompt"].endswith(
        "Response:\nThe cat sat on the mat. It was a sunny day.\n\nPoint out the flaws in the response."
    )
    critique_pairs = datasets.load_dataset(
        builder, data_files=str(tmp_path / f"critique_pairs.{fmt}"), split="train", cache_dir=str(tmp_path / "hf")
    )
    # The shown critique won one contractor's "helpful" vote; the other sample carries a human "not helpful" label.
    assert (
        critique_pairs[0]["chosen"] == "AI-CRITIQUE-TEXT whole 0"
        and critique_pairs[0]["rejected"] == "A worse critique."
    )
    assert critique_pairs[0]["label_source"] == "mixed" and critique_pairs[0]["prompt"] == pairs[0]["prompt"]


def test_the_command_exports_by_id_or_name(world: World, tmp_path: Path) -> None:
    call_command("export_study", str(world.study.pk), "--format", "csv", "--out", str(tmp_path / "a"))
    call_command(
        "export_study", world.study.name, "--format", "jsonl", "--out", str(tmp_path / "b"), "--tables", "reviews"
    )
    assert (tmp_path / "a" / "flaw_reports.csv").read_text().count("\n") > 6
    assert [p.name for p in sorted((tmp_path / "b").iterdir())] == ["manifest.json", "reviews.jsonl"]


@pytest.mark.parametrize(
    ("persona", "status"), [("researcher", 200), ("admin_user", 200), ("other_researcher", 404), ("contractor", 403)]
)
def test_streaming_downloads_belong_to_the_studys_researcher_and_admins(
    world: World, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("study-export", args=[world.study.pk, "flaw_reports", "jsonl"]))
    assert response.status_code == status
    if status == 200:
        rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]  # type: ignore[attr-defined]
        assert len(rows) == 6 and rows[0]["verdict"] == "valid"
        api = client.get(f"/api/studies/{world.study.pk}/results/").json()
        assert api["reviews"] == 2 and {e["arm"] for e in api["estimates"]} == {"Assisted", "Unassisted"}
