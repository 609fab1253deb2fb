"""Review actions. check_* says what stands in the way, do_* changes state.

Every change to a draft is written as it happens (that is the autosave); a submitted review
is frozen, and submitting twice is the same as submitting once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotation.choices import CATEGORIES_BY_KIND, Category, Severity
from annotation.datasets.models import Item
from annotation.hooks.receivers import task_submitted
from annotation.labeling.models import CommentAction, CommentJudgement, FlawReport, Review, ReviewStatus
from annotation.quality.checks import do_record_checks
from annotation.studies.models import ArmKind, Assignment, AssignmentStatus, Study, StudyStatus

# One beacon never carries more than this much active time: the browser flushes far more often.
MAX_ACTIVE_DELTA_S = 300.0


class ReviewLocked(Exception):
    """The review was submitted; it can no longer change."""


@dataclass(frozen=True)
class FlawInput:
    description: str
    severity: str
    category: str
    start: int | None = None
    end: int | None = None
    line_start: int | None = None
    line_end: int | None = None


def open_review(assignment: Assignment) -> Review:
    """The assignment's review, created on first open; in an assisted arm, records what is shown."""
    review, created = Review.objects.get_or_create(assignment=assignment)
    if created and assignment.arm.kind == ArmKind.ASSISTED and assignment.arm.critic_id is not None:
        _record_shown_critique(review, assignment.arm.critic_id, assignment.item_id)
    return review


def _record_shown_critique(review: Review, critic_id: int, item_id: int) -> None:
    from assist.interface import chosen_critique

    critique = chosen_critique(critic_id, item_id)
    if critique is None:
        return
    review.critique = critique
    review.save(update_fields=("critique",))
    CommentJudgement.objects.bulk_create(
        [
            CommentJudgement(
                review=review,
                comment=comment,
                position=comment.position,
                shown_text=comment.comment,
                shown_quote=comment.quote,
                shown_grounded=comment.grounded,
            )
            for comment in critique.comments.all()
        ]
    )


def lock_review(assignment: Assignment) -> Review:
    """The assignment's review with its row locked for a change (one query: the page made it already).
    Refused once submitted, or when the study (read with the assignment in this request) is not running."""
    review = Review.objects.select_for_update().filter(assignment=assignment).first()
    if review is None:  # a change before the page was ever opened: open it as the page would
        open_review(assignment)
        review = Review.objects.select_for_update().get(assignment=assignment)
    review.assignment = assignment
    if review.status == ReviewStatus.SUBMITTED:
        raise ReviewLocked("This review was submitted and can no longer change.")
    if assignment.study.status != StudyStatus.RUNNING:
        raise ReviewLocked("The study is closed: this review can no longer change.")
    return review


def _lock(review: Review) -> Review:
    locked = Review.objects.select_for_update(of=("self",)).select_related("assignment__study").get(pk=review.pk)
    if locked.status == ReviewStatus.SUBMITTED:
        raise ReviewLocked("This review was submitted and can no longer change.")
    if locked.assignment.study.status != StudyStatus.RUNNING:
        raise ReviewLocked("The study is closed: this review can no longer change.")
    return locked


def is_editable(review: Review, study: Study) -> bool:
    return not review.is_submitted and study.status == StudyStatus.RUNNING


def _touch(review: Review) -> None:
    review.updated_at = timezone.now()
    review.save(update_fields=("updated_at",))


def check_flaw(item: Item, flaw: FlawInput) -> dict[str, str]:
    """Field errors for a flaw report on this item, keyed by field name."""
    errors: dict[str, str] = {}
    if not flaw.description.strip():
        errors["description"] = "Say what is wrong."
    if flaw.severity not in Severity.values:
        errors["severity"] = "Choose critical, major or minor."
    if flaw.category not in CATEGORIES_BY_KIND[item.kind]:
        errors["category"] = f"Choose one of {', '.join(CATEGORIES_BY_KIND[item.kind])}."
    if (flaw.start is None) != (flaw.end is None):
        errors["start"] = "A span needs both a start and an end."
    elif flaw.start is not None and flaw.end is not None and not 0 <= flaw.start <= flaw.end <= len(item.response):
        errors["start"] = f"The span {flaw.start}-{flaw.end} is outside the response."
    lines = item.response.count("\n") + 1
    if flaw.line_start is not None:
        line_end = flaw.line_end if flaw.line_end is not None else flaw.line_start
        if not 1 <= flaw.line_start <= line_end <= lines:
            errors["line_start"] = f"Lines {flaw.line_start}-{line_end} are outside the response (1-{lines})."
    return errors


def do_add_flaw(assignment: Assignment, flaw: FlawInput, source_comment_id: int | None = None) -> FlawReport:
    item = assignment.item
    with transaction.atomic():
        review = lock_review(assignment)
        report = FlawReport.objects.create(
            review=review,
            start=flaw.start,
            end=flaw.end,
            line_start=flaw.line_start,
            line_end=flaw.line_end if flaw.line_start is not None else None,
            quote=item.response[flaw.start : flaw.end] if flaw.start is not None else "",
            description=flaw.description.strip(),
            severity=flaw.severity,
            category=flaw.category,
            source_comment_id=source_comment_id,
        )
        _touch(review)
    return report


def do_update_flaw(report: FlawReport, description: str, severity: str, category: str) -> FlawReport:
    with transaction.atomic():
        _lock(report.review)
        changed = (report.description, report.severity, report.category) != (description.strip(), severity, category)
        report.description = description.strip()
        report.severity = severity
        report.category = category
        report.edited = report.edited or (changed and report.from_ai)
        report.save(update_fields=("description", "severity", "category", "edited"))
        _touch(report.review)
    return report


def do_delete_flaw(report: FlawReport) -> None:
    with transaction.atomic():
        _lock(report.review)
        if report.source_comment_id is not None:
            # Deleting an accepted comment's report takes the acceptance back.
            CommentJudgement.objects.filter(
                review=report.review, comment_id=report.source_comment_id, action=CommentAction.ACCEPTED
            ).update(action=CommentAction.NONE, acted_at=timezone.now())
        report.delete()
        _touch(report.review)


def _category_for(item: Item, category: str) -> str:
    return category if category in CATEGORIES_BY_KIND[item.kind] else Category.OTHER


def do_judge_comment(
    review: Review, item: Item, judgement: CommentJudgement, action: str | None, helpful: bool | None
) -> CommentJudgement:
    """Accept (a prefilled flaw report), reject as wrong, or mark a nitpick; and/or rate helpfulness."""
    with transaction.atomic():
        _lock(review)
        judgement = CommentJudgement.objects.select_related("comment").get(pk=judgement.pk)
        fields = ["acted_at"]
        if action is not None and action != judgement.action:
            comment = judgement.comment
            existing = FlawReport.objects.filter(review=review, source_comment=comment)
            if action == CommentAction.ACCEPTED and not existing.exists():
                grounded = comment.grounded and comment.start is not None
                span: tuple[int | None, int | None, int | None, int | None] | None
                if grounded:
                    span = (comment.start, comment.end, comment.line_start, comment.line_end)
                else:  # a quote not found; the comment may still name its lines ("line 4: ...")
                    span = named_lines(item.response, judgement.shown_text) if item.kind == "code" else None
                start, end, line_start, line_end = span or (None, None, None, None)
                FlawReport.objects.create(
                    review=review,
                    start=start,
                    end=end,
                    line_start=line_start,
                    line_end=line_end,
                    quote=item.response[start:end] if start is not None and end is not None else "",
                    description=judgement.shown_text,
                    severity=comment.severity or Severity.MAJOR,
                    category=_category_for(item, comment.category),
                    source_comment=comment,
                )
            elif action != CommentAction.ACCEPTED:
                existing.delete()
            judgement.action = action
            fields.append("action")
        if helpful is not None:
            judgement.helpful = helpful
            fields.append("helpful")
        judgement.acted_at = timezone.now()
        judgement.save(update_fields=fields)
        _touch(review)
    return judgement


_LINES = re.compile(r"\blines?\s+(\d+)(?:\s*(?:-|\u2013|to)\s*(\d+))?", re.IGNORECASE)


def named_lines(response: str, text: str) -> tuple[int, int, int, int] | None:
    """(start, end, line_start, line_end) of the first lines of `response` that `text` names, if any."""
    found = _LINES.search(text)
    if found is None:
        return None
    lines = response.splitlines(keepends=True)
    first = int(found.group(1))
    last = int(found.group(2) or first)
    if not 1 <= first <= last <= len(lines):
        return None
    start = sum(len(line) for line in lines[: first - 1])
    end = start + sum(len(line) for line in lines[first - 1 : last])
    return start, end - (1 if lines[last - 1].endswith("\n") else 0), first, last


def do_save_draft(assignment: Assignment, rating: int | None, free_text: str) -> Review:
    with transaction.atomic():
        review = lock_review(assignment)
        review.rating = rating
        review.free_text = free_text
        review.updated_at = timezone.now()
        review.save(update_fields=("rating", "free_text", "updated_at"))
    return review


def check_submit(review: Review) -> list[str]:
    problems = []
    if review.rating is None:
        problems.append("Give an overall rating from 1 to 7 before submitting.")
    return problems


def do_submit(assignment: Assignment, draft: tuple[int | None, str] | None = None) -> bool:
    """Submit the assignment's review, with the last (rating, free text) if given, all under one lock.

    Returns False when it was already submitted: a retry or a double click, even two at once.
    """
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("study__quality_plan", "item")
            .get(pk=assignment.pk)
        )
        review = Review.objects.select_for_update().filter(assignment=locked).first()
        if review is None:  # submitted without the page ever opening: open it as the page would
            open_review(locked)
            review = Review.objects.select_for_update().get(assignment=locked)
        if review.status == ReviewStatus.SUBMITTED:
            return False
        if locked.study.status != StudyStatus.RUNNING:  # both rows are locked already: no second look
            raise ReviewLocked("The study is closed: this review can no longer change.")
        if draft is not None:
            review.rating, review.free_text = draft
        problems = check_submit(review)
        if problems:
            raise ValueError(" ".join(problems))
        now = timezone.now()
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = review.updated_at = now
        review.save(update_fields=("rating", "free_text", "status", "submitted_at", "updated_at"))
        locked.status = AssignmentStatus.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=("status", "submitted_at"))
        do_record_checks(locked)
        task_submitted(locked)
    return True


def do_add_active_time(assignment: Assignment, seconds: float) -> None:
    """Add browser-measured active time. Only unfinished tasks count, and one flush is capped."""
    delta = min(max(seconds, 0.0), MAX_ACTIVE_DELTA_S)
    if delta:
        Assignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.ACTIVE).update(
            active_seconds=F("active_seconds") + delta
        )
