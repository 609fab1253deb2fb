"""What a contractor hands in: a review of one assignment, its flaw reports, and its verdicts on AI comments."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotation.choices import Category, Severity


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Review(models.Model):
    """One per assignment. A draft until submitted; every change is saved as it happens."""

    assignment = models.OneToOneField("annotation.Assignment", on_delete=models.CASCADE, related_name="review")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-7, 7 = flawless.")
    free_text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    critique = models.ForeignKey(
        "assist.Critique",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The AI critique shown (assisted arms only).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=7), name="review_rating_1_to_7"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(rating__isnull=False, submitted_at__isnull=False),
                name="review_submitted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of assignment {self.assignment_id} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED


class FlawReport(models.Model):
    """A flaw the contractor reports: a span of the response (or lines of code), or the response as a whole."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="flaws")
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    line_start = models.PositiveIntegerField(null=True, blank=True)
    line_end = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(blank=True, help_text="The text of the span when it was reported.")
    description = models.TextField()
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MAJOR)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OTHER)
    source_comment = models.ForeignKey(
        "assist.CritiqueComment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited = models.BooleanField(default=False, help_text="Changed after being accepted from an AI comment.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("review_id", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(start__lte=models.F("end"))),
                name="report_span_valid",
            ),
            models.UniqueConstraint(
                fields=("review", "source_comment"),
                condition=Q(source_comment__isnull=False),
                name="report_once_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def from_ai(self) -> bool:
        return self.source_comment_id is not None


class CommentAction(models.TextChoices):
    NONE = "none", "No action"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected as wrong"
    NITPICK = "nitpick", "Nitpick"


class CommentJudgement(models.Model):
    """One AI comment as the contractor saw it, and what they did with it.

    The comment's text is copied when it is first shown, so the record stays true even if the
    critique is regenerated later.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="judgements")
    comment = models.ForeignKey("assist.CritiqueComment", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    shown_text = models.TextField()
    shown_quote = models.TextField(blank=True)
    shown_grounded = models.BooleanField(default=False)
    shown_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=CommentAction.choices, default=CommentAction.NONE)
    helpful = models.BooleanField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("review_id", "position")
        constraints = [models.UniqueConstraint(fields=("review", "comment"), name="judgement_once_per_comment")]

    def __str__(self) -> str:
        return f"{self.action} on comment {self.comment_id}"


class SkipReason(models.TextChoices):
    CANNOT_JUDGE = "cannot_judge", "I can't judge this (outside what I know)"
    UNCLEAR = "unclear", "The task is unclear or broken"
    TOO_LONG = "too_long", "Too long for the time I have"
    OTHER = "other", "Something else"


class Skip(models.Model):
    """A contractor handed a task back unreviewed; the task returned to the pool, the reason stays."""

    study = models.ForeignKey("annotation.Study", on_delete=models.CASCADE, related_name="skips")
    item = models.ForeignKey("annotation.Item", on_delete=models.CASCADE, related_name="+")
    arm = models.ForeignKey("annotation.Arm", on_delete=models.CASCADE, related_name="skips")
    contractor = models.ForeignKey("annotation.User", on_delete=models.CASCADE, related_name="skips")
    assignment = models.ForeignKey("annotation.Assignment", null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=16, choices=SkipReason.choices)
    note = models.TextField(blank=True)
    active_seconds = models.FloatField(default=0, help_text="Active time spent before skipping.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("study", "item", "contractor"), name="skip_once_per_item_and_contractor")
        ]

    def __str__(self) -> str:
        return f"{self.contractor_id} skipped item {self.item_id}: {self.reason}"
