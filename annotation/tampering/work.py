"""What a tamperer does: edit a correct response, describe each planted flaw, run the item's
tests on the tampered version, and submit, which makes a new item with its planted flaws
(usable in studies once the researcher accepts it).

check_* says what stands in the way; do_* changes state under a row lock.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from annotation.choices import CATEGORIES_BY_KIND, FlawOrigin, Severity
from annotation.datasets.models import Item, PlantedFlaw, content_hash
from annotation.hooks.receivers import task_submitted
from annotation.studies.models import Assignment, AssignmentStatus, StudyStatus
from annotation.tampering.models import Tamper, TamperFlaw, TamperReview, TamperSetup, TamperStatus

MAX_TEXT = 200_000
MAX_FLAWS = 10
RUNNING_FOR_S = 120  # a test run not back by then was lost


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


def _lock(assignment: Assignment, *, submitting: bool = False) -> Tamper | None:
    """The task's tamper under a row lock (the assignment first, as everywhere), if it may change.
    None when submitting something already submitted (a retry)."""
    locked = Assignment.objects.select_for_update().select_related("study", "item").get(pk=assignment.pk)
    tamper = Tamper.objects.select_for_update().filter(assignment=locked).first()
    if tamper is None or locked.contractor_id != assignment.contractor_id:
        raise TamperLocked("the task is no longer yours.")
    if tamper.status == TamperStatus.SUBMITTED:
        if submitting:
            return None
        raise TamperLocked("it was submitted and can no longer change.")
    if locked.study.status != StudyStatus.RUNNING:
        raise TamperLocked("the study is closed.")
    if locked.status != AssignmentStatus.ACTIVE:
        raise TamperLocked("the task is no longer yours.")
    return tamper


def _editable(assignment: Assignment) -> Tamper:
    tamper = _lock(assignment)
    assert tamper is not None
    return tamper


def check_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        return f"The response may hold at most {MAX_TEXT:,} characters."
    if "\x00" in text:
        return "The response may not contain NUL characters."
    return ""


def do_save_text(assignment: Assignment, text: str) -> Tamper:
    with transaction.atomic():
        tamper = _editable(assignment)
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
        tamper = _editable(assignment)
        if tamper.flaws.count() >= MAX_FLAWS:
            raise TamperLocked(f"a tamper holds at most {MAX_FLAWS} flaws.")
        return TamperFlaw.objects.create(
            tamper=tamper, description=description.strip(), severity=severity, category=category, location=location
        )


def do_delete_flaw(assignment: Assignment, flaw_id: int) -> None:
    with transaction.atomic():
        tamper = _editable(assignment)
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


def place(flaws: list[TamperFlaw], spans: list[Region]) -> list[Region | None]:
    """Each flaw's span: the changed region at the line its location names ("line 4"), else, with as
    many flaws as regions, the region in the same order, else everything that changed."""
    whole = Region(spans[0].start, spans[-1].end, spans[0].line_start, spans[-1].line_end) if spans else None
    placed: list[Region | None] = []
    for k, flaw in enumerate(flaws):
        named = [int(n) for n in re.findall(r"\b(\d{1,6})\b", flaw.location)]
        found = next((r for r in spans for n in named if r.line_start <= n <= r.line_end), None)
        placed.append(found or (spans[k] if len(spans) == len(flaws) else whole))
    return placed


def tests_state(tamper: Tamper) -> str:
    """'none' (nothing to run), 'stale' (not run on this version), 'running', 'passed' or 'failed'."""
    item = tamper.assignment.item
    if item.kind != "code" or not item.tests.strip():
        return "none"
    result = tamper.tests or {}
    if result.get("for") != digest(tamper.text):
        return "stale"
    state = str(result.get("state", "stale"))
    if state == "running" and _older_than(str(result.get("asked", "")), RUNNING_FOR_S):
        return "stale"  # the job was lost: it may be asked for again
    return state


def _older_than(when: str, seconds: float) -> bool:
    try:
        return (timezone.now() - datetime.fromisoformat(when)).total_seconds() > seconds
    except ValueError:
        return True


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


def do_submit_tamper(assignment: Assignment, text: str | None = None) -> Item | None:
    """Submit: the tampered item and its planted flaws are made (awaiting the researcher's review).
    None when it already was submitted."""
    if text is not None and check_text(text) == "":
        # The last keystrokes, sent with the submit (autosave waits 0.8 s); if locked, the submit says why.
        with contextlib.suppress(TamperLocked):
            do_save_text(assignment, text)
    with transaction.atomic():
        tamper = _lock(assignment, submitting=True)
        if tamper is None:
            return None
        problems = check_submit(tamper)
        if problems:
            raise ValueError(" ".join(problems))
        original = tamper.assignment.item
        setup = TamperSetup.objects.select_related("study__owner").get(study_id=assignment.study_id)
        dataset = setup.dataset
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
        for flaw, span in zip(flaws, place(flaws, spans), strict=True):
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
        task_submitted(assignment)
    return item
