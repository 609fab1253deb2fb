"""Datasets, their items and the planted flaws that are ground truth for them."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotation.choices import Category, FlawOrigin, Kind, Severity


class Dataset(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    source_format = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        "annotation.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="datasets"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name


def content_hash(kind: str, context: str, question: str, response: str, external_id: str = "") -> str:
    """Identity of an item within its dataset: its content and, when the source gives one, its id.

    The id matters for releases where several labelers each reviewed the same answer: each
    labeling is its own item, with its own critiques and labels.
    """
    digest = hashlib.sha256()
    for part in (kind, context, question, response, external_id):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


class Item(models.Model):
    """One model output (or human one) under review, with what it answers."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    context = models.TextField(help_text="The passage, or the problem statement for code.")
    question = models.TextField(blank=True, help_text="The question a summary answers.")
    response = models.TextField(help_text="The output under review.")
    author = models.CharField(max_length=200, default="unknown", help_text="Model name or 'human'.")
    language = models.CharField(max_length=32, blank=True)
    tests = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("dataset_id", "id")
        constraints = [
            models.UniqueConstraint(fields=("dataset", "content_hash"), name="item_unique_content_per_dataset"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="item_kind_valid"),
        ]
        indexes = [
            models.Index(fields=("dataset", "kind"), name="item_dataset_kind"),
            models.Index(fields=("author",), name="item_author"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}/{self.external_id or self.pk}"


class PlantedFlaw(models.Model):
    """Ground truth: a known flaw in an item's response. Never shown to contractors."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="planted_flaws")
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Character offset, inclusive.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="Character offset, exclusive.")
    line_start = models.PositiveIntegerField(null=True, blank=True)
    line_end = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField()
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MAJOR)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OTHER)
    origin = models.CharField(max_length=16, choices=FlawOrigin.choices, default=FlawOrigin.IMPORT)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("item_id", "start", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(start__lte=models.F("end"))),
                name="flaw_span_valid",
            ),
            models.CheckConstraint(
                condition=Q(line_start__isnull=True)
                | (Q(line_end__isnull=False) & Q(line_start__lte=models.F("line_end"))),
                name="flaw_lines_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.category} flaw in item {self.item_id}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A large upload, imported by the worker (whole or not at all) while its page shows progress."""

    requested_by = models.ForeignKey("annotation.User", null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    format = models.CharField(max_length=32, default="auto")
    description = models.TextField(blank=True)
    filename = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=500, help_text="The upload, under MEDIA_ROOT, until the job ends.")
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    bytes_done = models.BigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"import {self.pk} of {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, round(100 * self.bytes_done / self.size)) if self.size else 0
