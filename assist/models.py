from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotation.choices import Category, Severity
from annotation.datasets.models import Item


def validate_base_url(value: str) -> None:
    """Like URLField, but allows single-label hosts such as docker-compose service names."""
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValidationError("Enter an http:// or https:// URL, such as http://critic:8000/v1.")


class Backend(models.TextChoices):
    OPENAI = "openai", "OpenAI-compatible server (vLLM)"
    EXECUTION = "execution", "Execution critic (runs the tests)"
    IMPORTED = "imported", "Imported from a file"


class Strategy(models.TextChoices):
    SINGLE = "single", "Single sample"
    BEST_OF_N = "best_of_n", "Best of n"
    FSBS = "fsbs", "Force Sampling Beam Search"


class CriticConfig(models.Model):
    """A named critic: where its critiques come from and how they are sampled and chosen."""

    name = models.CharField(max_length=200, unique=True)
    backend = models.CharField(max_length=16, choices=Backend.choices)
    base_url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_base_url],
        help_text="The OpenAI-compatible endpoint, e.g. http://critic:8000/v1 (blank: REDLINE_CRITIC_BASE_URL).",
    )
    model = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=32, blank=True)
    sampling = models.JSONField(default=dict, blank=True, help_text="temperature, max_tokens, n, seed …")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.SINGLE)
    length_modifier = models.FloatField(
        default=0.0, help_text="λ in rm_score + λ · grounded highlights (CriticGPT's LENGTH_MODIFIER)."
    )
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Critique(models.Model):
    """One critique sample of one item by one critic."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="critiques")
    critic = models.ForeignKey(CriticConfig, on_delete=models.CASCADE, related_name="critiques")
    sample_index = models.PositiveIntegerField(default=0)
    chosen = models.BooleanField(default=False, help_text="The sample the selection strategy picked.")
    text = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True)
    critiqueability = models.FloatField(null=True, blank=True, help_text="P(response is flawed).")
    helpful = models.BooleanField(null=True, blank=True, help_text="Human helpfulness label, when known.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    raw_output = models.TextField(blank=True)
    error = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey("CritiqueRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("item_id", "critic_id", "sample_index")
        constraints = [
            models.UniqueConstraint(fields=("item", "critic", "sample_index"), name="critique_unique_sample"),
            models.UniqueConstraint(
                fields=("item", "critic"), condition=Q(chosen=True), name="critique_one_chosen_per_item"
            ),
        ]
        indexes = [models.Index(fields=("critic", "item"), name="critique_critic_item")]

    def __str__(self) -> str:
        return f"{self.critic} on item {self.item_id} #{self.sample_index}"


class CritiqueComment(models.Model):
    """One point a critique makes, anchored to the text it quotes when the quote is found."""

    critique = models.ForeignKey(Critique, on_delete=models.CASCADE, related_name="comments")
    position = models.PositiveIntegerField(default=0)
    quote = models.TextField(blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    line_start = models.PositiveIntegerField(null=True, blank=True)
    line_end = models.PositiveIntegerField(null=True, blank=True)
    grounded = models.BooleanField(default=False, help_text="The quote was found in the response.")
    comment = models.TextField()
    severity = models.CharField(max_length=16, choices=Severity.choices, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OTHER)

    class Meta:
        ordering = ("critique_id", "position")
        constraints = [
            models.UniqueConstraint(fields=("critique", "position"), name="comment_unique_position"),
            models.CheckConstraint(
                condition=Q(grounded=False) | (Q(start__isnull=False) & Q(end__isnull=False)),
                name="comment_grounded_has_span",
            ),
        ]

    def __str__(self) -> str:
        return self.comment[:60]

    @property
    def is_ungrounded(self) -> bool:
        """A quote that is nowhere in the response: the hallucination signal."""
        return bool(self.quote) and not self.grounded


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class CritiqueRun(models.Model):
    """One batch job of a critic over a set of items, done by a Celery worker."""

    critic = models.ForeignKey(CriticConfig, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    samples = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Critiques per item, whatever the critic's strategy (a tamper's check)."
    )
    worker = models.CharField(max_length=200, blank=True, help_text="The worker that holds the run.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("status", "heartbeat_at"), name="run_status_heartbeat")]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.critic}"

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class RunItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CritiqueRunItem(models.Model):
    """One item's state within a run: what lets a killed run resume and failed items be retried."""

    run = models.ForeignKey(CritiqueRun, on_delete=models.CASCADE, related_name="run_items")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=RunItemStatus.choices, default=RunItemStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("run_id", "item_id")
        constraints = [models.UniqueConstraint(fields=("run", "item"), name="run_item_unique")]
        indexes = [models.Index(fields=("run", "status"), name="run_item_status")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.item_id}: {self.status}"


class RefinementStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Refinement(models.Model):
    """A critic's rewrite of an item's response that fixes what its own chosen critique says."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="refinements")
    critic = models.ForeignKey(CriticConfig, on_delete=models.CASCADE, related_name="refinements")
    critique = models.ForeignKey(Critique, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    prompt_version = models.CharField(max_length=32, default="r1")
    status = models.CharField(max_length=16, choices=RefinementStatus.choices, default=RefinementStatus.PENDING)
    text = models.TextField(blank=True)
    raw_output = models.TextField(blank=True)
    error = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("item_id", "critic_id", "-id")
        indexes = [models.Index(fields=("critic", "item"), name="refinement_critic_item")]

    def __str__(self) -> str:
        return f"{self.critic} refines item {self.item_id} ({self.status})"


class TrackedJob(models.Model):
    """A background job a researcher started and follows: status, counts, the first error."""

    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ("-created_at", "-id")

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.failed) / self.total) if self.total else 100


class EvaluatorAudit(TrackedJob):
    """Does an evaluator model recognise and favour its own outputs? (Panickssery et al. 2024)

    Pairs hold two responses to the same source: one whose author is the evaluator's `own_author`,
    one by someone else. Each question is asked of every pair in both orders, and of every response
    alone; answers are read from log-probabilities.
    """

    evaluator = models.ForeignKey(CriticConfig, on_delete=models.PROTECT, related_name="audits")
    own_author = models.CharField(max_length=200, help_text="The `author` of the items the evaluator wrote.")
    prompt_version = models.CharField(max_length=16, default="e1")

    def __str__(self) -> str:
        return f"audit {self.pk} of {self.evaluator}"


class AuditQuestion(models.Model):
    """One question of an audit: about a pair (in one order) or one response; `value` is the answer
    read from log-probabilities (P(own) for a pair, P(Yes) or the expected 1-5 score alone)."""

    audit = models.ForeignKey(EvaluatorAudit, on_delete=models.CASCADE, related_name="questions")
    ask = models.CharField(max_length=32, help_text="pair:recognition|preference|worse, one:recognition|score")
    item = models.ForeignKey(
        Item,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Pairs: the evaluator's own response; alone: the one asked about.",
    )
    other_item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    own_first = models.BooleanField(null=True, blank=True, help_text="Pairs: the own response was shown first.")
    subject_is_own = models.BooleanField(null=True, blank=True, help_text="Alone: the response is the evaluator's.")
    value = models.FloatField(null=True, blank=True)
    p_first = models.FloatField(null=True, blank=True, help_text="Pairs: P(the first was chosen).")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("audit_id", "id")
        indexes = [models.Index(fields=("audit", "ask"), name="audit_question_ask")]

    def __str__(self) -> str:
        return f"{self.ask} in audit {self.audit_id}"


class GenerationRun(TrackedJob):
    """A model writes its own responses to a dataset's sources: new items whose author is that model."""

    generator = models.ForeignKey(CriticConfig, on_delete=models.PROTECT, related_name="generations")
    source = models.ForeignKey("annotation.Dataset", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("annotation.Dataset", on_delete=models.CASCADE, related_name="+")
    author = models.CharField(max_length=200, help_text="Written into each new item's author.")
    prompt_version = models.CharField(max_length=16, default="g1")
    sampling = models.JSONField(default=dict, blank=True, help_text="temperature, max_tokens, seed as used.")

    def __str__(self) -> str:
        return f"generation {self.pk} by {self.generator}"
