"""Comparison tasks (CriticGPT): critiques of one item rated side by side, blind to their source;
and response comparisons (original vs refined) with a 1-7 preference."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


def _one_to_seven(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 7}), name=name
    )


class ComparisonSetup(models.Model):
    """What a comparison study compares: the critics, human critiques, gold critiques, or refinements."""

    study = models.OneToOneField("annotation.Study", on_delete=models.CASCADE, related_name="comparison_setup")
    critics = models.ManyToManyField("assist.CriticConfig", blank=True, related_name="+")
    reports_from = models.ForeignKey(
        "annotation.Study",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A review study whose submitted flaw reports become human critiques.",
    )
    include_gold = models.BooleanField(default=False, help_text="Tampered items' own descriptions of their flaws.")
    per_task = models.PositiveSmallIntegerField(default=4, help_text="Critiques shown side by side (2-4).")
    refine_critic = models.ForeignKey(
        "assist.CriticConfig",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Response comparisons: whose refinements are compared with the originals.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(per_task__gte=2, per_task__lte=4), name="setup_per_task_2_to_4")
        ]

    def __str__(self) -> str:
        return f"comparison setup of {self.study_id}"


class CandidateSource(models.TextChoices):
    CRITIC = "critic", "A critic's critique"
    REPORTS = "reports", "A contractor's flaw reports"
    GOLD = "gold", "The tamperer's description (gold)"
    ORIGINAL = "original", "The original response"
    REFINED = "refined", "A refined response"


class Candidate(models.Model):
    """One critique (or response) of an item that a comparison can show. `label` groups candidates
    for the results (a critic's name, "Human: flaw reports", "Gold"); it never reaches a contractor."""

    study = models.ForeignKey("annotation.Study", on_delete=models.CASCADE, related_name="candidates")
    item = models.ForeignKey("annotation.Item", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=CandidateSource.choices)
    label = models.CharField(max_length=200)
    text = models.TextField()
    critique = models.ForeignKey("assist.Critique", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(
        "annotation.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The contractor whose work it came from: never asked to rate it.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("study_id", "item_id", "id")
        indexes = [models.Index(fields=("study", "item"), name="candidate_study_item")]

    def __str__(self) -> str:
        return f"{self.label} on item {self.item_id}"


class ComparisonStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Comparison(models.Model):
    """One per comparison task: which candidates it shows, in which order (seeded, recorded)."""

    assignment = models.OneToOneField("annotation.Assignment", on_delete=models.CASCADE, related_name="comparison")
    shown = models.JSONField(default=list, help_text="Candidate ids in the order shown (A, B, C, D).")
    preference = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Response comparisons: 1 = A much better, 4 = equal, 7 = B much better."
    )
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ComparisonStatus.choices, default=ComparisonStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at", "-id")
        constraints = [_one_to_seven("preference", "comparison_preference_1_to_7")]

    def __str__(self) -> str:
        return f"Comparison of assignment {self.assignment_id} ({self.status})"


class CritiqueRating(models.Model):
    """A contractor's ratings of one critique within one comparison (1-7 each, anchors on the page)."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="ratings")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="ratings")
    position = models.PositiveSmallIntegerField()
    missed_severe = models.PositiveSmallIntegerField(null=True, blank=True)
    nitpicks = models.PositiveSmallIntegerField(null=True, blank=True)
    hallucination = models.PositiveSmallIntegerField(null=True, blank=True)
    conciseness = models.PositiveSmallIntegerField(null=True, blank=True)
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ("comparison_id", "position")
        constraints = [
            models.UniqueConstraint(fields=("comparison", "candidate"), name="rating_once_per_candidate"),
            *(
                _one_to_seven(field, f"rating_{field}_1_to_7")
                for field in ("missed_severe", "nitpicks", "hallucination", "conciseness", "overall")
            ),
        ]

    def __str__(self) -> str:
        return f"rating of candidate {self.candidate_id}"


class Inclusion(models.Model):
    """Critique-bug inclusion (CBI): did this critique point out this planted flaw? 1-7."""

    rating = models.ForeignKey(CritiqueRating, on_delete=models.CASCADE, related_name="inclusions")
    flaw = models.ForeignKey("annotation.PlantedFlaw", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("rating_id", "flaw_id")
        constraints = [
            models.UniqueConstraint(fields=("rating", "flaw"), name="inclusion_once_per_flaw"),
            _one_to_seven("score", "inclusion_score_1_to_7"),
        ]

    def __str__(self) -> str:
        return f"CBI {self.score} for flaw {self.flaw_id}"
