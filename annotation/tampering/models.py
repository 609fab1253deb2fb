"""Tampering tasks (CriticGPT): a contractor plants a subtle flaw in a correct response and
describes it; each accepted tamper becomes a new item whose planted flaws are ground truth."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotation.choices import Category, Severity


class TamperSetup(models.Model):
    study = models.OneToOneField("annotation.Study", on_delete=models.CASCADE, related_name="tamper_setup")
    dataset = models.ForeignKey(
        "annotation.Dataset",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Made with the study; each submitted tamper becomes one of its items.",
    )
    critic = models.ForeignKey(
        "assist.CriticConfig",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Critiques each submitted tamper 3 times; the tamperer sees whether it was caught every time.",
    )

    def __str__(self) -> str:
        return f"tamper setup of {self.study_id}"


class TamperStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class TamperReview(models.TextChoices):
    PENDING = "pending", "Awaiting the researcher"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Tamper(models.Model):
    """One per tampering task: the edited response, its test result, and what the researcher decided."""

    assignment = models.OneToOneField("annotation.Assignment", on_delete=models.CASCADE, related_name="tamper")
    text = models.TextField(help_text="The response as the contractor edited it.")
    status = models.CharField(max_length=16, choices=TamperStatus.choices, default=TamperStatus.DRAFT)
    tests = models.JSONField(
        default=dict, blank=True, help_text="The item's tests on the tampered text: state, passed, output, for."
    )
    critic_check = models.JSONField(
        default=dict, blank=True, help_text="The critic's 3 critiques of the submitted tamper: which caught it."
    )
    review = models.CharField(max_length=16, choices=TamperReview.choices, default=TamperReview.PENDING)
    reviewed_by = models.ForeignKey(
        "annotation.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    item = models.ForeignKey(
        "annotation.Item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The tampered item, made at submission; usable in studies once accepted.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at", "-id")

    def __str__(self) -> str:
        return f"tamper of assignment {self.assignment_id} ({self.status})"


class TamperFlaw(models.Model):
    """A flaw the tamperer says they planted, written like a code-review comment."""

    tamper = models.ForeignKey(Tamper, on_delete=models.CASCADE, related_name="flaws")
    description = models.TextField()
    location = models.CharField(max_length=200, blank=True, help_text="Where, in the tamperer's words.")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MAJOR)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.BUG)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("tamper_id", "id")

    def __str__(self) -> str:
        return self.description[:60]
