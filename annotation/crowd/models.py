"""Crowd platforms: a study's recruitment link and the participants who came through it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Platform(models.TextChoices):
    PROLIFIC = "prolific", "Prolific"


class StudyLink(models.Model):
    """The link a crowd platform sends participants to. The token keeps strangers out; codes go back."""

    study = models.OneToOneField("annotation.Study", on_delete=models.CASCADE, related_name="link")
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.PROLIFIC)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    completion_code = models.CharField(max_length=64)
    screenout_code = models.CharField(max_length=64, blank=True, help_text="For those who do not qualify.")
    open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.platform} link of study {self.study_id}"


class Outcome(models.TextChoices):
    WORKING = "working", "Working"
    COMPLETED = "completed", "Completed"
    SCREENED_OUT = "screened_out", "Did not qualify"
    NO_WORK = "no_work", "Study was full"
    HELD = "held", "Held for the researcher (checks)"


class Participant(models.Model):
    """A contractor account made for one crowd participant in one study; it reaches nothing else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant")
    study = models.ForeignKey("annotation.Study", on_delete=models.CASCADE, related_name="participants")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    participant_id = models.CharField(max_length=64)
    external_study_id = models.CharField(max_length=64, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.WORKING)

    class Meta:
        ordering = ("study_id", "joined_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("study", "platform", "participant_id"), name="participant_once_per_study")
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.participant_id} in study {self.study_id}"
