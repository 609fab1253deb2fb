"""The demo's crowd study: pooled, with a qualifying item, gold and attention checks, and a Prolific
link, launched, so a newcomer can open the link as a participant and see the whole flow."""

from __future__ import annotations

from annotation.crowd.joining import do_save_link
from annotation.datasets.models import Dataset, Item
from annotation.quality.setup import PlanInput, do_add_check_items, do_generate_attention_checks, do_save_plan
from annotation.studies.lifecycle import StudySpec, do_create_study, do_launch
from annotation.studies.models import CheckRole, Design, Study
from annotation.users import User

CROWD_STUDY = "Crowd study (demo, Prolific link)"
CROWD_INSTRUCTIONS = """Read the passage and the answer. Select any part of the answer that the passage does
not support or gets wrong and report it (key **f**), then rate the answer 1-7 and submit (**s s**).
Some answers are fine: then report nothing."""


def seed_crowd_study(owner: User, summaries: str) -> None:
    if Study.objects.filter(name=CROWD_STUDY).exists():
        return
    dataset = Dataset.objects.get(name=summaries)
    flawed = Item.objects.filter(dataset=dataset, planted_flaws__isnull=False).distinct().order_by("id")
    held_back = list(flawed.values_list("pk", flat=True)[:3])  # the checks come from these
    studied = Item.objects.filter(dataset=dataset).exclude(pk__in=held_back).order_by("id")
    spec = StudySpec(
        name=CROWD_STUDY,
        item_ids=list(studied.values_list("pk", flat=True)),
        design=Design.WITHIN,
        reviews_per_item=2,
        seed=2024,
        instructions=CROWD_INSTRUCTIONS,
        pooled=True,
        tasks_per_contractor=6,
    )
    study = do_create_study(spec, owner)
    do_save_plan(
        study,
        PlanInput(
            gold_rate=0.2, min_active_s=20, min_checks=3, warn_below=0.7, pause_below=0.34, qualification_pass=0.5
        ),
    )
    do_add_check_items(study, dataset, CheckRole.QUALIFICATION, 1)
    do_add_check_items(study, dataset, CheckRole.GOLD, 2)
    do_generate_attention_checks(study, 2, owner)
    do_save_link(study, "DEMO-COMPLETE", "DEMO-SCREENOUT", is_open=True)
    do_launch(study)
