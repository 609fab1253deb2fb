"""Comparison tasks end to end on the server: launch, blind pages and API, autosave, submit, results, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from annotation.comparing.candidates import draw, open_comparison
from annotation.comparing.models import Candidate, Comparison, CritiqueRating, Inclusion
from annotation.comparing.rating import Answer, check_answer, do_answer
from annotation.datasets.models import PlantedFlaw
from annotation.labeling.models import FlawReport, Review
from annotation.labeling.queue import do_skip
from annotation.results.exporting.export import do_export
from annotation.studies.lifecycle import StudyRefused, StudySpec, check_launch, do_create_study
from annotation.studies.models import Assignment, Study
from annotation.studies.task_options import TaskOptions
from annotation.users import User
from tests.comparisons import SOURCE_MARK, compare_study, make_critics, make_items, start
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def answer_all(client: Client, comparison: Comparison, overall: list[int] | None = None) -> None:
    url = reverse("task-compare-answer", args=[comparison.assignment_id])
    flaws = PlantedFlaw.objects.filter(item_id=comparison.assignment.item_id)
    for k, rating in enumerate(comparison.ratings.order_by("position")):
        for name in ("missed_severe", "nitpicks", "hallucination", "conciseness"):
            client.post(url, {"field": name, "rating": rating.pk, "value": "3"})
        score = overall[k] if overall else 4
        client.post(url, {"field": "overall", "rating": rating.pk, "value": str(score)})
        for flaw in flaws:
            client.post(url, {"field": "inclusion", "rating": rating.pk, "flaw": flaw.pk, "value": "6"})


def test_launch_makes_a_candidate_per_critic_and_item_and_each_task_shows_them_in_a_recorded_seeded_order(
    researcher: User, contractor: User
) -> None:
    study = compare_study(researcher, [contractor], critics=3, items=4)
    assert Candidate.objects.filter(study=study).count() == 12
    assignment, comparison = start(contractor, study)
    assert len(comparison.shown) == 3 and comparison.ratings.count() == 3
    assert sorted(comparison.shown) == sorted(
        Candidate.objects.filter(study=study, item=assignment.item).values_list("pk", flat=True)
    )
    assert draw(assignment, 3) == comparison.shown  # reproducible from the seed, the task and its releases
    orders = set()
    for other in Assignment.objects.filter(study=study):
        labels = dict(Candidate.objects.filter(item=other.item_id, study=study).values_list("pk", "label"))
        orders.add(tuple(labels[pk] for pk in draw(other, 3)))
    assert len(orders) > 1  # not every task shows the critics in the same order


def test_the_page_and_the_api_never_name_a_critiques_source(researcher: User, contractor: User) -> None:
    study = compare_study(researcher, [contractor])
    assignment, _ = start(contractor, study)
    client = client_for(contractor)
    page = client.get(reverse("task", args=[assignment.pk])).content.decode()
    assert "critique 0 of item" in page and "Did this critique point out this problem?" in page
    assert SOURCE_MARK not in page and "critic" not in page.lower().replace("critique", "")
    api = client.get(reverse("api-task-comparison", args=[assignment.pk]))
    assert api.status_code == 200
    body = json.dumps(api.json())
    assert SOURCE_MARK not in body and "label" not in body and "source" not in body
    assert {c["letter"] for c in api.json()["critiques"]} == {"A", "B", "C"}


def test_answers_autosave_one_at_a_time_and_bad_ones_are_refused_with_a_reason(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    study = compare_study(researcher, [contractor, other_contractor], items=4)
    assignment, comparison = start(contractor, study)
    rating = comparison.ratings.first()
    assert rating is not None
    client = client_for(contractor)
    url = reverse("task-compare-answer", args=[assignment.pk])
    saved = client.post(url, {"field": "overall", "rating": rating.pk, "value": "6"})
    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    rating.refresh_from_db()
    assert rating.overall == 6
    for bad in (
        {"field": "overall", "rating": rating.pk, "value": "9"},
        {"field": "overall", "rating": rating.pk, "value": "x"},
        {"field": "colour", "rating": rating.pk, "value": "3"},
        {"field": "overall", "rating": "999999", "value": "3"},
        {"field": "inclusion", "rating": rating.pk, "flaw": "1", "value": "3"},
    ):
        refused = client.post(url, bad)
        assert refused.status_code == 200 and 'class="small error"' in refused.content.decode(), bad
    rating.refresh_from_db()
    assert rating.overall == 6
    # Another contractor's rating is not theirs to change, through their own task either.
    other, theirs = start(other_contractor, study)
    foreign = theirs.ratings.first()
    assert foreign is not None
    assert check_answer(comparison, Answer("overall", "2", rating_id=foreign.pk)) == "No such critique in this task."
    assert client.post(reverse("task-compare-answer", args=[other.pk]), {}).status_code == 404


def test_submit_needs_every_answer_then_locks_and_moves_on(researcher: User, contractor: User) -> None:
    study = compare_study(researcher, [contractor], items=2)
    assignment, comparison = start(contractor, study)
    client = client_for(contractor)
    refused = client.post(reverse("task-compare-submit", args=[assignment.pk]), follow=True)
    assert "Not submitted: Critique A: answer" in refused.content.decode()
    answer_all(client, comparison, [7, 4, 1])
    done = client.post(reverse("task-compare-submit", args=[assignment.pk]))
    assert done.status_code == 302
    assignment.refresh_from_db()
    comparison.refresh_from_db()
    assert assignment.status == "submitted" and comparison.status == "submitted"
    assert Inclusion.objects.filter(rating__comparison=comparison, score=6).count() == 3
    late = client.post(
        reverse("task-compare-answer", args=[assignment.pk]),
        {"field": "overall", "rating": comparison.ratings.first().pk, "value": "1"},  # type: ignore[union-attr]
    )
    assert "can no longer change" in late.content.decode()


def test_a_contractor_never_rates_a_critique_written_from_their_own_reports(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    critics = make_critics(2)
    items = make_items(2, critics)
    review_study = Study.objects.create(name="reviews", owner=researcher, status="closed")
    arm = review_study.arms.create(name="Unassisted", kind="unassisted")
    for who in (contractor, other_contractor):
        done = Assignment.objects.create(study=review_study, item=items[0], arm=arm, contractor=who, status="submitted")
        review = Review.objects.create(
            assignment=done, rating=3, status="submitted", submitted_at=done.started_at or review_study.created_at
        )
        FlawReport.objects.create(review=review, description=f"REPORT-BY-{who.username}", severity="major")
    spec = StudySpec(
        name="with reports",
        item_ids=[items[0].pk],
        contractors=[contractor, other_contractor],
        task_kind="compare",
        reviews_per_item=2,
        tasks=TaskOptions(compare_critic_ids=[c.pk for c in critics], reports_from=review_study),
    )
    study = do_create_study(spec, researcher)
    assert check_launch(study) == []
    from annotation.studies.lifecycle import do_launch

    do_launch(study)
    assert Candidate.objects.filter(study=study, source="reports").count() == 2
    for who in (contractor, other_contractor):
        assignment, comparison = start(who, study)
        shown = Candidate.objects.filter(pk__in=comparison.shown)
        assert not shown.filter(author=who).exists()
        page = client_for(who).get(reverse("task", args=[assignment.pk])).content.decode()
        assert f"REPORT-BY-{who.username}" not in page


def test_a_comparison_needs_two_sources_and_every_item_two_candidates(researcher: User, contractor: User) -> None:
    critics = make_critics(1)
    items = make_items(2, critics)
    spec = StudySpec(
        name="one source",
        item_ids=[i.pk for i in items],
        contractors=[contractor],
        task_kind="compare",
        tasks=TaskOptions(compare_critic_ids=[critics[0].pk]),
    )
    with pytest.raises(StudyRefused, match="at least two sources"):
        do_create_study(spec, researcher)
    more = make_critics(2)
    spec.tasks = TaskOptions(compare_critic_ids=[critics[0].pk, more[0].pk])
    study = do_create_study(spec, researcher)  # the second critic never critiqued these items
    assert any("fewer than two critiques" in problem for problem in check_launch(study))


def test_skipping_a_comparison_drops_its_draft_and_the_next_contractor_gets_a_fresh_draw(
    researcher: User, contractor: User, other_contractor: User
) -> None:
    study = compare_study(researcher, [contractor, other_contractor], items=2)
    assignment, comparison = start(contractor, study)
    rating = comparison.ratings.first()
    assert rating is not None
    do_answer(assignment, Answer("overall", "5", rating_id=rating.pk))
    do_skip(assignment, "cannot_judge", "")
    assert not Comparison.objects.filter(pk=comparison.pk).exists()
    assert not CritiqueRating.objects.filter(pk=rating.pk).exists()


def _run_study(researcher: User, n_contractors: int = 4) -> tuple[Study, list[User]]:
    contractors = [UserFactory.create(role="contractor") for _ in range(n_contractors)]
    study = compare_study(researcher, contractors, critics=3, items=6, reviews=2)
    for who in contractors:
        client = client_for(who)
        while True:
            assignment = Assignment.objects.filter(study=study, contractor=who).exclude(status="submitted").first()
            if assignment is None:
                break
            started, comparison = start(who, study)
            order = {c.pk: c.label for c in Candidate.objects.filter(pk__in=comparison.shown)}
            rank = {label: k for k, label in enumerate(sorted(set(order.values())))}
            # The critic made last is best, the first worst, whatever the order they were shown in.
            scores = [2 + 2 * rank[order[pk]] for pk in comparison.shown]
            answer_all(client, comparison, scores)
            assert client.post(reverse("task-compare-submit", args=[started.pk])).status_code == 302
            started.refresh_from_db()
            assert started.status == "submitted"
    return study, contractors


def test_results_rank_the_critics_with_intervals_on_the_page_in_the_api_and_in_exports(researcher: User) -> None:
    study, _ = _run_study(researcher)
    client = client_for(researcher)
    api = client.get(reverse("api-study-results", args=[study.pk])).json()
    assert api["comparisons"] == 12 and api["task_kind"] == "compare"
    ranked = [row["source"] for row in api["elo"]]
    assert ranked == sorted(ranked, reverse=True) and len(ranked) == 3
    best = api["elo"][0]
    assert best["low"] is not None and best["low"] < best["elo"] < best["high"]
    cbi = [e for e in api["estimates"] if e["metric"] == "cbi"]
    assert len(cbi) == 3 and all(e["value"] == 1.0 for e in cbi)  # every flaw rated 6: included
    page = client.get(reverse("study-results", args=[study.pk])).content.decode()
    assert "Elo" in page and ranked[0] in page and "<svg" in page and "Win rates" in page
    ratings = client.get(reverse("study-export", args=[study.pk, "comparison_ratings", "csv"]))
    lines = b"".join(ratings.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 + 36 and "source" in lines[0]
    pairs = client.get(reverse("study-export", args=[study.pk, "comparison_pairs", "jsonl"]))
    rows: list[dict[str, Any]] = [json.loads(line) for line in b"".join(pairs.streaming_content).splitlines()]  # type: ignore[attr-defined]
    assert len(rows) == 36 and all(r["chosen_source"] > r["rejected_source"] for r in rows)


def test_a_comparison_studys_export_holds_its_own_tables(researcher: User, tmp_path: Path) -> None:
    study, _ = _run_study(researcher)
    manifest = do_export(study, "jsonl", tmp_path)
    assert manifest["counts"] == {"assignments": 12, "items": 6, "comparison_ratings": 36, "comparison_pairs": 36}
    first = json.loads((tmp_path / "comparison_ratings.jsonl").read_text().splitlines()[0])
    assert first["source"].startswith(SOURCE_MARK) and first["inclusions"].endswith(":6")


def test_results_before_anything_is_submitted_say_so(researcher: User, contractor: User) -> None:
    study = compare_study(researcher, [contractor])
    page = client_for(researcher).get(reverse("study-results", args=[study.pk])).content.decode()
    assert "No comparison has been submitted yet" in page


def test_opening_a_comparison_twice_keeps_its_draw(researcher: User, contractor: User) -> None:
    study = compare_study(researcher, [contractor])
    assignment, comparison = start(contractor, study)
    assert open_comparison(assignment).pk == comparison.pk
    assert Comparison.objects.filter(assignment=assignment).count() == 1


def test_a_comparison_done_through_the_api_all_or_nothing(researcher: User, contractor: User) -> None:
    study = compare_study(researcher, [contractor], items=1)
    client = client_for(contractor)
    task = client.post(reverse("api-task-next")).json()
    assert task["kind"] == "compare" and task["review"] is None
    url = reverse("api-task-comparison", args=[task["id"]])
    shown = client.get(url).json()
    flaw = shown["critiques"][0]["inclusions"][0]["flaw"]
    answers = reverse("api-task-comparison-answers", args=[task["id"]])
    bad = client.post(answers, {"answers": [{"letter": "A", "field": "overall", "value": "5"},
                                            {"letter": "D", "field": "overall", "value": "5"}]},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and "answers[1]" in bad.json()
    assert CritiqueRating.objects.filter(comparison__assignment_id=task["id"], overall__isnull=False).count() == 0
    everything = [
        {"letter": letter, "field": field, "value": "4"}
        for letter in "ABC"
        for field in ("missed_severe", "nitpicks", "hallucination", "conciseness", "overall")
    ] + [{"letter": letter, "field": "inclusion", "flaw": flaw, "value": "7"} for letter in "ABC"]
    saved = client.post(answers, {"answers": everything}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["missing"] == []
    done = client.post(reverse("api-task-comparison-submit", args=[task["id"]]))
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    again = client.post(answers, {"answers": everything[:1]}, content_type="application/json")
    assert again.status_code == 409
    assert client.get(reverse("api-task-comparison", args=[task["id"]])).json()["critiques"][0]["overall"] == 4
    assert study.pk


def test_a_comparison_study_is_created_and_launched_through_the_api(
    researcher: User, contractor: User, other_researcher: User
) -> None:
    critics = make_critics(2)
    items = make_items(2, critics)
    client = client_for(researcher)
    theirs = Study.objects.create(name="not yours", owner=other_researcher)
    body = {"name": "api compare", "item_ids": [i.pk for i in items], "contractors": [contractor.username],
            "task_kind": "compare", "compare_critics": [c.pk for c in critics], "per_task": 2}  # fmt: skip
    refused = client.post(
        reverse("api-study-list"), body | {"reports_from": theirs.pk}, content_type="application/json"
    )
    assert refused.status_code == 400 and "reports_from" in refused.json()
    created = client.post(reverse("api-study-list"), body, content_type="application/json")
    assert created.status_code == 201 and created.json()["task_kind"] == "compare"
    study_id = created.json()["id"]
    assert client.post(reverse("api-study-launch", args=[study_id])).status_code == 200
    assert Candidate.objects.filter(study_id=study_id).count() == 4


def test_a_critique_or_review_that_found_nothing_is_compared_too(researcher: User, contractor: User) -> None:
    critics = make_critics(2)
    items = make_items(1, critics)
    from assist.models import Critique

    Critique.objects.filter(critic=critics[0]).update(text="")  # the critic found nothing to say
    review_study = Study.objects.create(name="quiet reviews", owner=researcher, status="closed")
    arm = review_study.arms.create(name="Unassisted", kind="unassisted")
    other = UserFactory.create(role="contractor")
    done = Assignment.objects.create(study=review_study, item=items[0], arm=arm, contractor=other, status="submitted")
    Review.objects.create(assignment=done, rating=7, status="submitted", submitted_at=review_study.created_at)
    options = TaskOptions(compare_critic_ids=[c.pk for c in critics], reports_from=review_study)
    spec = StudySpec(name="quiet", item_ids=[items[0].pk], contractors=[contractor], task_kind="compare", tasks=options)
    study = do_create_study(spec, researcher)
    from annotation.studies.lifecycle import do_launch

    do_launch(study)
    texts = sorted(Candidate.objects.filter(study=study).values_list("text", flat=True))
    assert texts.count("No problems found.") == 2 and len(texts) == 3
