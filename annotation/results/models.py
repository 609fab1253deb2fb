"""Adjudications (a researcher's verdict on a flaw report) and export jobs (a study or dataset written
by the worker into one zip, with its progress)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Verdict(models.TextChoices):
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid (not a real flaw)"
    NITPICK = "nitpick", "Nitpick"


class Adjudication(models.Model):
    """A researcher's confirmed verdict on a flaw report and which planted flaw (if any) it found."""

    report = models.OneToOneField("annotation.FlawReport", on_delete=models.CASCADE, related_name="adjudication")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    planted_flaw = models.ForeignKey(
        "annotation.PlantedFlaw", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjudicated_by = models.ForeignKey(
        "annotation.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjudicated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.verdict}: report {self.report_id}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        "annotation.User", null=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    study = models.ForeignKey("annotation.Study", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    dataset = models.ForeignKey("annotation.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=32)
    tables = models.JSONField(default=list, blank=True, help_text="Empty: every table.")
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    current = models.CharField(max_length=64, blank=True, help_text="The table being written.")
    file = models.CharField(max_length=300, blank=True, help_text="The zip, relative to MEDIA_ROOT.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress the worker wrote.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(study__isnull=False) & Q(dataset__isnull=True))
                | (Q(study__isnull=True) & Q(dataset__isnull=False)),
                name="export_of_study_or_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}) of {self.subject}"

    @property
    def subject(self) -> str:
        return f"study {self.study_id}" if self.study_id else f"dataset {self.dataset_id}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def written_files(self) -> list[tuple[str, int, str]]:
        """(file, rows, description) per file of a finished export, from its manifest."""
        files, counts, schema = (self.manifest.get(key, {}) for key in ("files", "counts", "schema"))
        return [
            (file, counts.get(name, 0), schema.get(name, {}).get("description", "")) for name, file in files.items()
        ]

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)


class AnalysisStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AnalysisSnapshot(models.Model):
    """A study's analysis, computed once per change of what it depends on (its fingerprint) and kept
    for the results page, its CSV and the API; large studies are computed by the worker."""

    study = models.OneToOneField("annotation.Study", on_delete=models.CASCADE, related_name="analysis")
    fingerprint = models.CharField(max_length=64, blank=True, help_text="What the payload was computed from.")
    payload = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    status = models.CharField(max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.QUEUED)
    pending_fingerprint = models.CharField(max_length=64, blank=True, help_text="Being computed now.")
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"analysis of study {self.study_id} ({self.status})"
