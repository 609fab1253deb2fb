"""What a comparison study compares, item by item, and which of it one task shows.

Candidates are built when the study launches, from the study's setup: each critic's critique
(the chosen sample, or an import's points together), each submitted review of another study
turned into a critique (its flaw reports, written by that contractor), and the gold critique of
an item with planted flaws (their descriptions: a tamperer's own words, or a mutation's). A
response comparison has the original response and a refinement. A task shows up to `per_task`
of its item's candidates, never one its contractor wrote, drawn and ordered from the study's
seed, the task and its releases.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from annotation.comparing.models import Candidate, CandidateSource, Comparison, ComparisonSetup, CritiqueRating
from annotation.datasets.models import Item, PlantedFlaw
from annotation.labeling.models import FlawReport, Review, ReviewStatus
from annotation.studies.models import Assignment, Study, StudyItem, TaskKind
from assist.interface import NOTHING_FOUND, critic_choices, critique_texts, refined_texts

GOLD = "Gold: the planted flaws' descriptions"
REPORTS = "Human: flaw reports"
ORIGINAL = "Original response"


def setup_of(study: Study) -> ComparisonSetup:
    return ComparisonSetup.objects.get_or_create(study=study)[0]


# Human critiques are written out plainly, one point per line, like most critics' critiques: the
# format should not tell a contractor where a critique came from.
def _report_text(reports: list[FlawReport]) -> str:
    lines = []
    for report in reports:
        where = f"Line {report.line_start}: " if report.line_start else ""
        if not where and report.quote:
            where = f'"{report.quote[:120]}": '
        lines.append(f"- {where}{report.description}")
    return "\n".join(lines) or NOTHING_FOUND


def _gold_text(flaws: list[PlantedFlaw]) -> str:
    return "\n".join(f"- {flaw.description}" for flaw in flaws)


def build_candidates(study: Study) -> list[Candidate]:
    """The study's candidates, unsaved, in item order."""
    setup = setup_of(study)
    item_ids = list(StudyItem.objects.filter(study=study).order_by("item_id").values_list("item_id", flat=True))
    found: list[Candidate] = []
    if study.task_kind == TaskKind.PREFER:
        if setup.refine_critic_id is None:
            return []
        refined = refined_texts(setup.refine_critic_id, item_ids)
        label = f"Refined by {setup.refine_critic}"
        for item in Item.objects.filter(pk__in=item_ids).order_by("pk").only("pk", "response"):
            if item.pk in refined:
                found.append(
                    Candidate(
                        study=study, item=item, source=CandidateSource.ORIGINAL, label=ORIGINAL, text=item.response
                    )
                )
                found.append(
                    Candidate(
                        study=study, item=item, source=CandidateSource.REFINED, label=label, text=refined[item.pk]
                    )
                )
        return found
    critics = critic_choices(setup.critics.values_list("pk", flat=True))
    texts = critique_texts([pk for pk, _ in critics], item_ids)
    for item_id in item_ids:
        for critic_id, name in critics:
            if (critic_id, item_id) in texts:
                critique_id, text = texts[(critic_id, item_id)]
                found.append(
                    Candidate(
                        study=study,
                        item_id=item_id,
                        source=CandidateSource.CRITIC,
                        label=name,
                        text=text,
                        critique_id=critique_id,
                    )
                )
    if setup.reports_from_id is not None:
        # Every submitted review is a human critique, one that reported nothing included.
        reviews = Review.objects.filter(
            assignment__study_id=setup.reports_from_id, assignment__item_id__in=item_ids, status=ReviewStatus.SUBMITTED
        ).select_related("assignment")
        by_review: dict[int, list[FlawReport]] = defaultdict(list)
        for report in FlawReport.objects.filter(review__in=reviews).order_by("review_id", "id"):
            by_review[report.review_id].append(report)
        for review in reviews.order_by("pk"):
            found.append(
                Candidate(
                    study=study,
                    item_id=review.assignment.item_id,
                    source=CandidateSource.REPORTS,
                    label=REPORTS,
                    text=_report_text(by_review[review.pk]),
                    author_id=review.assignment.contractor_id,
                )
            )
    if setup.include_gold:
        gold: dict[int, list[PlantedFlaw]] = defaultdict(list)
        # A planted flaw's description is the critique that finds exactly it: a tamperer's own words,
        # or a mutation's or an import's description of the bug.
        flaws = PlantedFlaw.objects.filter(item_id__in=item_ids).order_by("item_id", "id")
        for planted in flaws:
            gold[planted.item_id].append(planted)
        tamperers = dict(Item.objects.filter(pk__in=list(gold)).values_list("pk", "metadata__tamper__contractor_id"))
        for item_id, described in gold.items():
            author = tamperers.get(item_id)
            found.append(
                Candidate(
                    study=study,
                    item_id=item_id,
                    source=CandidateSource.GOLD,
                    label=GOLD,
                    text=_gold_text(described),
                    author_id=author if isinstance(author, int) else None,
                )
            )
    found.sort(key=lambda candidate: candidate.item_id)
    return found


def check_candidates(study: Study) -> list[str]:
    """What stands in the way of launching: items with fewer than two candidates for some contractor."""
    candidates = build_candidates(study)
    item_ids = set(StudyItem.objects.filter(study=study).values_list("item_id", flat=True))
    counts = Counter(candidate.item_id for candidate in candidates)
    authored = Counter((candidate.item_id, candidate.author_id) for candidate in candidates if candidate.author_id)
    worst = {
        item_id: counts[item_id] - max((n for (i, _), n in authored.items() if i == item_id), default=0)
        for item_id in item_ids
    }
    short = sorted(item_id for item_id, n in worst.items() if n < 2)
    if not short:
        return []
    what = "responses" if study.task_kind == TaskKind.PREFER else "critiques"
    listed = ", ".join(str(pk) for pk in short[:10]) + (" …" if len(short) > 10 else "")
    return [f"{len(short)} items have fewer than two {what} to compare (items {listed}): add sources or drop them."]


def do_create_candidates(study: Study) -> int:
    Candidate.objects.filter(study=study).delete()
    return len(Candidate.objects.bulk_create(build_candidates(study), batch_size=2000))


def draw(assignment: Assignment, per_task: int) -> list[int]:
    """The candidates a task shows, in order: seeded by the study, the task and how often it was released."""
    eligible = list(
        Candidate.objects.filter(study_id=assignment.study_id, item_id=assignment.item_id)
        .exclude(author_id=assignment.contractor_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(f"{assignment.study.seed}:{assignment.pk}:{assignment.releases}")  # noqa: S311 - reproducible
    chosen = rng.sample(eligible, min(per_task, len(eligible)))
    rng.shuffle(chosen)
    return chosen


def open_comparison(assignment: Assignment) -> Comparison:
    """The task's comparison, made (with its draw and a rating row per critique) the first time it opens."""
    existing = Comparison.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        setup = setup_of(assignment.study)
        per_task = 2 if assignment.study.task_kind == TaskKind.PREFER else setup.per_task
        shown = draw(assignment, per_task)
        comparison, created = Comparison.objects.get_or_create(
            assignment=assignment, defaults={"shown": shown, "updated_at": timezone.now()}
        )
        if created and assignment.study.task_kind == TaskKind.COMPARE:
            CritiqueRating.objects.bulk_create(
                [CritiqueRating(comparison=comparison, candidate_id=pk, position=k) for k, pk in enumerate(shown)]
            )
    return comparison
