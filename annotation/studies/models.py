"""Assistance studies: arms, enrolled contractors, and the assignments that make them up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_SEED = 2**63 - 1  # a Postgres bigint
MAX_SECONDS = 2**31 - 1  # a Postgres integer (68 years)
MAX_ITEMS = 10_000_000


class StudyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    RUNNING = "running", "Running"
    CLOSED = "closed", "Closed"


class Design(models.TextChoices):
    BETWEEN = "between", "Between-subject (each contractor in one arm)"
    WITHIN = "within", "Within-subject (each contractor in every arm)"


class TaskKind(models.TextChoices):
    REVIEW = "review", "Review: find the flaws in a response"
    COMPARE = "compare", "Compare critiques of a response (CriticGPT)"
    PREFER = "prefer", "Compare two responses (e.g. original vs refined)"
    TAMPER = "tamper", "Tamper: plant a subtle flaw in a correct response"


class Study(models.Model):
    name = models.CharField(max_length=200)
    task_kind = models.CharField(max_length=16, choices=TaskKind.choices, default=TaskKind.REVIEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="studies")
    instructions = models.TextField(blank=True, help_text="Markdown, shown to contractors (sanitised).")
    design = models.CharField(max_length=16, choices=Design.choices, default=Design.BETWEEN)
    reviews_per_item = models.PositiveSmallIntegerField(default=1)
    seed = models.BigIntegerField(default=0)
    time_limit_s = models.PositiveIntegerField(null=True, blank=True, help_text="Per task; blank for none.")
    abandon_after_s = models.PositiveIntegerField(
        default=3600, help_text="An unfinished task is released after this long."
    )
    match_threshold = models.FloatField(
        default=0.3,
        help_text="A report matches a planted flaw when their spans overlap by at least this fraction of the shorter.",
    )
    status = models.CharField(max_length=16, choices=StudyStatus.choices, default=StudyStatus.DRAFT)
    pooled = models.BooleanField(
        default=False,
        help_text="Tasks wait in one pool and go to whoever asks next; contractors may join after launch.",
    )
    tasks_per_contractor = models.PositiveIntegerField(
        null=True, blank=True, help_text="At most this many study tasks per contractor (checks not counted)."
    )
    dropped_items = models.JSONField(
        default=list, blank=True, help_text="Items taken out before launch: item, arm, reason, by, at."
    )
    items = models.ManyToManyField("annotation.Item", through="StudyItem", related_name="studies")
    contractors = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Enrollment", related_name="enrolled_in")
    created_at = models.DateTimeField(default=timezone.now)
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When its last task was submitted.")

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.name


class ArmKind(models.TextChoices):
    UNASSISTED = "unassisted", "Unassisted"
    ASSISTED = "assisted", "Assisted (AI critique shown)"


class Arm(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="arms")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ArmKind.choices)
    critic = models.ForeignKey("assist.CriticConfig", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("study_id", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=("study", "name"), name="arm_unique_name"),
            models.CheckConstraint(
                condition=(Q(kind="unassisted") & Q(critic__isnull=True))
                | (Q(kind="assisted") & Q(critic__isnull=False)),
                name="arm_assisted_has_critic",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StudyItem(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE)
    item = models.ForeignKey("annotation.Item", on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("study", "item"), name="study_item_unique")]

    def __str__(self) -> str:
        return f"{self.study_id}/{self.item_id}"


class Enrollment(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE)
    contractor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    enrolled_at = models.DateTimeField(default=timezone.now)
    arm = models.ForeignKey(
        Arm, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Pooled between-subject."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=("study", "contractor"), name="enrollment_unique")]

    def __str__(self) -> str:
        return f"{self.contractor_id} in {self.study_id}"


class CheckRole(models.TextChoices):
    GOLD = "gold", "Gold (known flaws, mixed into the queue)"
    ATTENTION = "attention", "Attention check (an instruction to report a span)"
    QUALIFICATION = "qualification", "Qualification (before the real tasks)"


class CheckItem(models.Model):
    """An item with known answers that checks contractors rather than being studied: kept out of the results."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="check_items")
    item = models.ForeignKey("annotation.Item", on_delete=models.PROTECT, related_name="check_uses")
    role = models.CharField(max_length=16, choices=CheckRole.choices)

    class Meta:
        ordering = ("study_id", "role", "item_id")
        constraints = [models.UniqueConstraint(fields=("study", "item"), name="check_item_unique")]

    def __str__(self) -> str:
        return f"{self.role} item {self.item_id} of study {self.study_id}"


class Purpose(models.TextChoices):
    TASK = "task", "Study task"
    GOLD = CheckRole.GOLD.value, "Gold check"
    ATTENTION = CheckRole.ATTENTION.value, "Attention check"
    QUALIFICATION = CheckRole.QUALIFICATION.value, "Qualification"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Not started"
    ACTIVE = "active", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Assignment(models.Model):
    """One review task: a contractor reviews an item in an arm. Released tasks lose their contractor."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey("annotation.Item", on_delete=models.PROTECT, related_name="+")
    arm = models.ForeignKey(Arm, on_delete=models.PROTECT, related_name="assignments")
    contractor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    active_seconds = models.FloatField(default=0)
    releases = models.PositiveSmallIntegerField(default=0)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.TASK)
    check_score = models.FloatField(
        null=True, blank=True, help_text="Checks: the share of the item's known flaws the review caught."
    )
    too_fast = models.BooleanField(default=False, help_text="Submitted in less than the study's minimum time.")

    class Meta:
        ordering = ("study_id", "contractor_id", "order", "id")
        constraints = [
            models.UniqueConstraint(fields=("study", "item", "contractor"), name="assignment_once_per_contractor"),
        ]
        indexes = [
            models.Index(fields=("study", "contractor", "status", "order"), name="assignment_queue"),
            models.Index(fields=("study", "status", "started_at"), name="assignment_abandoned"),
        ]

    def __str__(self) -> str:
        return f"{self.study_id}: item {self.item_id} in {self.arm_id} for {self.contractor_id}"
