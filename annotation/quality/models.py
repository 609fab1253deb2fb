"""Quality control: which contractors' reviews a study's analysis leaves out, and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Exclusion(models.Model):
    """A contractor's reviews taken out of a study's analysis. Restoring keeps the record: the study's
    history shows who was excluded, why, by whom and for how long."""

    study = models.ForeignKey("annotation.Study", on_delete=models.CASCADE, related_name="exclusions")
    contractor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    excluded_at = models.DateTimeField(default=timezone.now)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-excluded_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("study", "contractor"), condition=Q(restored_at__isnull=True), name="one_active_exclusion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contractor_id} excluded from study {self.study_id}"

    @property
    def active(self) -> bool:
        return self.restored_at is None
