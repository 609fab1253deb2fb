"""Reports the matcher cannot place await a researcher instead of counting as invalid; imported
human labels are shown with their counts and set beside contractors' judgements."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.labeling.models import CommentJudgement, FlawReport
from annotation.labeling.reviewing import named_lines
from annotation.results.analysis.frame import study_frames
from annotation.results.analysis.report import study_results
from annotation.users import User
from assist.models import CritiqueComment
from tests.conftest import client_for
from tests.studies import World, make_world, submitted_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher: User, contractor: User) -> World:
    w = make_world(researcher, [contractor], items=2)
    review = submitted_review(w, contractor, "assisted", 0, [(4, 7), (20, 23)])
    FlawReport.objects.create(  # accepted from an AI comment whose quote was not found: it points nowhere
        review=review, description="A test fails: assert f(2) == 4", severity="major", category="other"
    )
    return w


def test_a_report_that_points_nowhere_awaits_adjudication_instead_of_counting_as_invalid(world: World) -> None:
    frame, _ = study_frames(world.study)
    row = frame.iloc[0]
    assert (row["reported"], row["valid"], row["invalid"], row["pending"], row["judged"]) == (3, 1, 1, 1, 2)
    results = study_results(world.study, draws=50)
    precision = results.estimate("precision", "Assisted")
    assert precision is not None and precision.value == pytest.approx(0.5)  # 1 valid of 2 judged, not 1 of 3
    assert results.pending == {"Assisted": 1}


def test_the_researcher_sees_what_awaits_adjudication(world: World, researcher: User) -> None:
    client = client_for(researcher)
    page = client.get(reverse("study-results", args=[world.study.pk])).content.decode()
    assert "Assisted: 1 report awaits adjudication" in page
    item_page = client.get(reverse("study-adjudicate-item", args=[world.study.pk, world.items[0].pk])).content.decode()
    assert "needs adjudication" in item_page
    rows = client.get(f"/api/studies/{world.study.pk}/adjudications/").json()["results"]
    assert [row["needs_adjudication"] for row in rows] == [False, False, True]
    body = client.get(f"/api/studies/{world.study.pk}/results/").json()
    assert body["reports_awaiting_adjudication"] == {"Assisted": 1}
    pending = FlawReport.objects.get(start=None)
    client.post(
        f"/api/studies/{world.study.pk}/adjudications/",
        {"report": pending.pk, "verdict": "valid", "planted_flaw": world.items[0].planted_flaws.get().pk},
        content_type="application/json",
    )
    assert study_results(world.study, draws=50).pending == {"Assisted": 0}


def test_an_ai_comment_that_names_its_lines_is_placed_on_them() -> None:
    code = "def add(a, b):\n    total = a - b\n    return total\n"
    assert named_lines(code, "Line 2 subtracts instead of adding.") == (15, 32, 2, 2)
    assert named_lines(code, "lines 2-3 return the difference") == (15, 49, 2, 3)
    assert named_lines(code, "line 9 is wrong") is None
    assert named_lines(code, "A test fails: assert add(2, 2) == 4") is None


def test_imported_labels_are_counted_and_set_beside_contractors_judgements(
    world: World, researcher: User, contractor: User
) -> None:
    critique = world.critiques[0]
    critique.helpful = False
    critique.save(update_fields=["helpful"])
    detail = client_for(researcher).get(f"/api/datasets/{world.items[0].dataset_id}/").json()
    assert detail["labels"] == [
        {"critic": world.critic.name, "critiques": 2, "labelled_helpful": 0, "labelled_not_helpful": 1, "unlabelled": 1}
    ]
    page = client_for(researcher).get(reverse("dataset-detail", args=[world.items[0].dataset_id])).content.decode()
    assert "Labelled not helpful" in page

    review = FlawReport.objects.filter(start=4).get().review
    comments = list(CritiqueComment.objects.filter(critique=critique).order_by("position"))
    for position, (comment, helpful) in enumerate(zip(comments, (False, True), strict=True)):
        CommentJudgement.objects.create(
            review=review, comment=comment, position=position, shown_text=comment.comment, helpful=helpful
        )
    agreement = study_results(world.study, draws=50).label_agreement
    assert agreement is not None
    assert (agreement.judgements, agreement.contractors, agreement.agreement) == (2, 1, 0.5)
    assert (agreement.labels_helpful, agreement.contractors_helpful) == (0.0, 0.5)
    results_page = client_for(researcher).get(reverse("study-results", args=[world.study.pk])).content.decode()
    assert "beside the imported labels" in results_page
