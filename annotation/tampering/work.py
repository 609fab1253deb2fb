"""What a tamperer does: edit a correct response, describe each planted flaw, run the item's
tests on the tampered version, and submit, which makes a new item with its planted flaws
(usable in studies once the researcher accepts it).

check_* says what stands in the way; do_* changes state under a row lock.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from annotation.choices import CATEGORIES_BY_KIND, FlawOrigin, Severity
from annotation.datasets.models import Dataset, Item, PlantedFlaw, content_hash
from annotation.studies.models import Assignment, AssignmentStatus, StudyStatus
from annotation.tampering.models import Tamper, TamperFlaw, TamperReview, TamperSetup, TamperStatus

MAX_TEXT = 200_000
MAX_FLAWS = 10


class TamperLocked(Exception):
    """Submitted, released or the study is closed: the tamper can no longer change."""


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    line_start: int
    line_end: int


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_tamper(assignment: Assignment) -> Tamper:
    return Tamper.objects.get_or_create(assignment=assignment, defaults={"text": assignment.item.response})[0]


def _lock(assignment: Assignment) -> Tamper:
    locked = Assignment.objects.select_for_update().select_related("study", "item").get(pk=assignment.pk)
    tamper = Tamper.objects.select_for_update().get(assignment=locked)
    if tamper.status == TamperStatus.SUBMITTED:
        raise TamperLocked("it was submitted and can no longer change.")
    if locked.study.status != StudyStatus.RUNNING:
        raise TamperLocked("the study is closed.")
    if locked.status != AssignmentStatus.ACTIVE:
        raise TamperLocked("the task is no longer yours.")
    return tamper


def check_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        return f"The response may hold at most {MAX_TEXT:,} characters."
    if "\x00" in text:
        return "The response may not contain NUL characters."
    return ""


def do_save_text(assignment: Assignment, text: str) -> Tamper:
    with transaction.atomic():
        tamper = _lock(assignment)
        if tamper.text != text:
            tamper.text = text
            tamper.updated_at = timezone.now()
            tamper.save(update_fields=("text", "updated_at"))
    return tamper


def check_flaw(item: Item, description: str, severity: str, category: str, location: str) -> dict[str, str]:
    errors = {}
    if not description.strip():
        errors["description"] = "Say what you changed and why it is wrong."
    elif len(description) > 5000:
        errors["description"] = "Keep it under 5,000 characters."
    if severity not in Severity.values:
        errors["severity"] = "Choose critical, major or minor."
    if category not in CATEGORIES_BY_KIND[item.kind]:
        errors["category"] = f"Choose one of {', '.join(CATEGORIES_BY_KIND[item.kind])}."
    if len(location) > 200:
        errors["location"] = "Keep it under 200 characters."
    return errors


def do_add_flaw(assignment: Assignment, description: str, severity: str, category: str, location: str) -> TamperFlaw:
    with transaction.atomic():
        tamper = _lock(assignment)
        if tamper.flaws.count() >= MAX_FLAWS:
            raise TamperLocked(f"a tamper holds at most {MAX_FLAWS} flaws.")
        return TamperFlaw.objects.create(
            tamper=tamper, description=description.strip(), severity=severity, category=category, location=location
        )


def do_delete_flaw(assignment: Assignment, flaw_id: int) -> None:
    with transaction.atomic():
        tamper = _lock(assignment)
        TamperFlaw.objects.filter(tamper=tamper, pk=flaw_id).delete()


def regions(original: str, tampered: str, *, by_lines: bool = False) -> list[Region]:
    """Where the tampered text differs from the original, as spans of the tampered text. Code is
    compared line by line (a changed line is the span; a deleted one marks the line after it);
    prose character by character, regions on the same line merged."""
    if by_lines:
        return _line_regions(original, tampered)
    found: list[Region] = []
    matcher = difflib.SequenceMatcher(None, original, tampered, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if j1 == j2:  # a deletion: the whole line where it happened
            j1 = tampered.rfind("\n", 0, j1) + 1
            end = tampered.find("\n", j2)
            j2 = len(tampered) if end < 0 else end
        first, last = tampered.count("\n", 0, j1) + 1, tampered.count("\n", 0, max(j1, j2 - 1)) + 1
        if found and found[-1].line_end >= first:
            previous = found.pop()
            found.append(
                Region(previous.start, max(previous.end, j2), previous.line_start, max(previous.line_end, last))
            )
        else:
            found.append(Region(j1, j2, first, last))
    return found


def _line_regions(original: str, tampered: str) -> list[Region]:
    old, new = original.splitlines(keepends=True), tampered.splitlines(keepends=True)
    starts = [0]
    for line in new:
        starts.append(starts[-1] + len(line))
    found = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" or not new:
            continue
        if j1 == j2:  # lines deleted: the line that now stands where they were
            j1 = min(j1, len(new) - 1)
            j2 = j1 + 1
        start, end = starts[j1], starts[j2] - (1 if new[j2 - 1].endswith("\n") else 0)
        found.append(Region(start, max(start, end), j1 + 1, j2))
    return found


def tests_state(tamper: Tamper) -> str:
    """'none' (nothing to run), 'stale' (not run on this version), 'running', 'passed' or 'failed'."""
    item = tamper.assignment.item
    if item.kind != "code" or not item.tests.strip():
        return "none"
    result = tamper.tests or {}
    if result.get("for") != digest(tamper.text):
        return "stale"
    return str(result.get("state", "stale"))


def check_submit(tamper: Tamper) -> list[str]:
    problems = []
    original = tamper.assignment.item.response
    if tamper.text == original:
        problems.append("Change the response: plant a subtle flaw.")
    if not tamper.flaws.exists():
        problems.append("Describe each flaw you planted (what, where, how severe).")
    state = tests_state(tamper)
    if state in ("stale", "running"):
        problems.append("Run the tests on this version first (press t).")
    return problems


def _dataset(setup: TamperSetup) -> Dataset:
    dataset, _ = Dataset.objects.get_or_create(
        name=setup.dataset_name,
        defaults={
            "description": f"Tampered items from study {setup.study.name}.",
            "source_format": "tampering",
            "created_by": setup.study.owner,
        },
    )
    return dataset


def do_submit_tamper(assignment: Assignment) -> Item | None:
    """Submit: the tampered item and its planted flaws are made (awaiting the researcher's review).
    None when it already was submitted."""
    with transaction.atomic():
        if Tamper.objects.select_for_update().get(assignment_id=assignment.pk).status == TamperStatus.SUBMITTED:
            return None
        tamper = _lock(assignment)
        problems = check_submit(tamper)
        if problems:
            raise ValueError(" ".join(problems))
        original = tamper.assignment.item
        setup = TamperSetup.objects.select_related("study__owner").get(study_id=assignment.study_id)
        dataset = _dataset(setup)
        state = tests_state(tamper)
        external = f"tamper-{tamper.pk}"
        item = Item.objects.create(
            dataset=dataset,
            external_id=external,
            kind=original.kind,
            context=original.context,
            question=original.question,
            response=tamper.text,
            author=original.author,
            language=original.language,
            tests=original.tests,
            content_hash=content_hash(original.kind, original.context, original.question, tamper.text, external),
            metadata={
                "tamper": {
                    "review": TamperReview.PENDING,
                    "task": assignment.pk,
                    "study": assignment.study_id,
                    "original_item": original.pk,
                    "contractor_id": assignment.contractor_id,
                    "tests_catch": {"failed": True, "passed": False}.get(state),
                }
            },
        )
        spans = regions(original.response, tamper.text, by_lines=original.kind == "code")
        flaws = list(tamper.flaws.order_by("pk"))
        whole = Region(spans[0].start, spans[-1].end, spans[0].line_start, spans[-1].line_end) if spans else None
        for k, flaw in enumerate(flaws):
            span = spans[k] if len(spans) == len(flaws) else whole
            PlantedFlaw.objects.create(
                item=item,
                description=flaw.description,
                severity=flaw.severity,
                category=flaw.category,
                origin=FlawOrigin.TAMPERING,
                start=span.start if span else None,
                end=span.end if span else None,
                line_start=span.line_start if span and original.kind == "code" else None,
                line_end=span.line_end if span and original.kind == "code" else None,
                metadata={"location": flaw.location, "tamper": tamper.pk},
            )
        now = timezone.now()
        tamper.status, tamper.item, tamper.submitted_at, tamper.updated_at = TamperStatus.SUBMITTED, item, now, now
        tamper.save(update_fields=("status", "item", "submitted_at", "updated_at"))
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, submitted_at=now)
    return item
