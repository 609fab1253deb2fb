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


class QualityPlan(models.Model):
    """How a study checks its contractors: gold and attention checks mixed in, a minimum time, a
    qualifying set first, and what happens when someone falls below the bar."""

    study = models.OneToOneField("annotation.Study", on_delete=models.CASCADE, related_name="quality_plan")
    gold_rate = models.FloatField(default=0.1, help_text="One check in every round(1 / rate) tasks.")
    min_active_s = models.PositiveIntegerField(
        null=True, blank=True, help_text="A review submitted in less active time is flagged as too fast."
    )
    min_checks = models.PositiveSmallIntegerField(default=3, help_text="Checks answered before a threshold acts.")
    warn_below = models.FloatField(null=True, blank=True, help_text="Flag for the researcher below this accuracy.")
    pause_below = models.FloatField(null=True, blank=True, help_text="Stop handing out tasks below this accuracy.")
    qualification_pass = models.FloatField(default=0.5, help_text="Share of the qualifying set's flaws to catch.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gold_rate__gte=0, gold_rate__lte=0.5), name="gold_rate_0_to_half"),
            models.CheckConstraint(
                condition=Q(qualification_pass__gte=0, qualification_pass__lte=1), name="qualification_pass_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Quality plan of study {self.study_id}"


class Standing(models.Model):
    """Where a contractor stands with a study's checks: qualified or not, warned, paused (and by what)."""

    study = models.ForeignKey("annotation.Study", on_delete=models.CASCADE, related_name="standings")
    contractor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    qualified = models.BooleanField(null=True, blank=True)
    qualification_score = models.FloatField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=("study", "contractor"), name="standing_unique")]

    def __str__(self) -> str:
        return f"{self.contractor_id} in study {self.study_id}"
