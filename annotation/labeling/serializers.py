"""The contractor's tasks through the API: only what the task page shows."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.datasets.models import Item
from annotation.labeling.models import CommentJudgement, FlawReport, Review, SkipReason
from annotation.studies.models import Assignment, AssignmentStatus

# Contractor side: only what the task shows. No arm name, no planted flaws, critiques only when assisted.


class FlawReportSerializer(serializers.ModelSerializer[FlawReport]):
    class Meta:
        model = FlawReport
        fields = ("id", "start", "end", "line_start", "line_end", "quote", "description", "severity", "category",
                  "source_comment", "edited")  # fmt: skip


class JudgementSerializer(serializers.ModelSerializer[CommentJudgement]):
    class Meta:
        model = CommentJudgement
        fields = ("id", "position", "shown_text", "shown_quote", "shown_grounded", "action", "helpful")


class TaskReviewSerializer(serializers.ModelSerializer[Review]):
    flaws = FlawReportSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = ("rating", "free_text", "status", "submitted_at", "flaws")


class TaskItemSerializer(serializers.ModelSerializer[Item]):
    class Meta:
        model = Item
        fields = ("kind", "context", "question", "response", "language")


class TaskSerializer(serializers.ModelSerializer[Assignment]):
    study = serializers.CharField(source="study.name")
    kind = serializers.CharField(
        source="study.task_kind",
        help_text="review; compare or prefer (see comparison/); tamper: what the task asks.",
    )
    item = serializers.SerializerMethodField(
        help_text="What the task shows; null while it waits in the queue (it opens in its turn, through next)."
    )

    class Meta:
        model = Assignment
        fields: tuple[str, ...] = (
            "id", "study", "kind", "status", "started_at", "submitted_at", "active_seconds", "item",
        )  # fmt: skip

    @extend_schema_field(TaskItemSerializer(allow_null=True))
    def get_item(self, assignment: Assignment) -> dict[str, Any] | None:
        # A queued task's text would let a contractor read ahead, off the clock that measures active time.
        if assignment.status == AssignmentStatus.PENDING:
            return None
        data = dict(TaskItemSerializer(assignment.item).data)
        if assignment.study.task_kind == "prefer":
            data["response"] = ""  # one of the two responses compared: which one must stay blind
        return data


class TaskDetailSerializer(TaskSerializer):
    review = serializers.SerializerMethodField()
    ai_comments = serializers.SerializerMethodField(help_text="Present only in tasks with AI assistance.")

    class Meta(TaskSerializer.Meta):
        fields = (*TaskSerializer.Meta.fields, "review", "ai_comments")

    def get_review(self, assignment: Assignment) -> dict[str, Any] | None:
        review = Review.objects.filter(assignment=assignment).prefetch_related("flaws").first()
        return TaskReviewSerializer(review).data if review else None

    def get_ai_comments(self, assignment: Assignment) -> list[dict[str, Any]] | None:
        if assignment.arm.kind != "assisted":
            return None
        judgements = CommentJudgement.objects.filter(review__assignment=assignment).order_by("position")
        return list(JudgementSerializer(judgements, many=True).data)


class SkipSerializer(serializers.Serializer[None]):
    reason = serializers.ChoiceField(choices=SkipReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
