from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotation.datasets.models import Dataset
from assist.critic_settings import CriticSettingsError, clean_sampling
from assist.models import CriticConfig, Critique, CritiqueComment, CritiqueRun


class CriticConfigSerializer(serializers.ModelSerializer[CriticConfig]):
    class Meta:
        model = CriticConfig
        fields = (
            "id",
            "name",
            "backend",
            "base_url",
            "model",
            "prompt_version",
            "sampling",
            "strategy",
            "length_modifier",
            "description",
            "created_at",
        )
        read_only_fields = ("created_at",)

    def validate_sampling(self, value: object) -> dict[str, Any]:
        """Every key checked against CriticSettings; on PATCH a null removes a key (back to its default)."""
        if value is None:
            return {}
        try:
            cleaned = clean_sampling(value)
        except CriticSettingsError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        assert isinstance(value, dict)  # clean_sampling refuses anything else
        return {key: cleaned.get(key) for key in value}

    def update(self, instance: CriticConfig, validated_data: dict[str, Any]) -> CriticConfig:
        # A PATCH of some settings changes those and keeps the others.
        if self.partial and "sampling" in validated_data:
            validated_data["sampling"] = {**(instance.sampling or {}), **validated_data["sampling"]}
        if "sampling" in validated_data:
            validated_data["sampling"] = {k: v for k, v in validated_data["sampling"].items() if v is not None}
        return super().update(instance, validated_data)

    def create(self, validated_data: dict[str, Any]) -> CriticConfig:
        if "sampling" in validated_data:
            validated_data["sampling"] = {k: v for k, v in validated_data["sampling"].items() if v is not None}
        return super().create(validated_data)

    def validate_backend(self, value: str) -> str:
        if value == "imported":
            raise serializers.ValidationError("Imported critics are created by imports.")
        return value


class CritiqueRunSerializer(serializers.ModelSerializer[CritiqueRun]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = CritiqueRun
        fields = (
            "id",
            "critic",
            "status",
            "total",
            "done",
            "failed",
            "percent",
            "cancel_requested",
            "worker",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields


class StartRunSerializer(serializers.Serializer[None]):
    critic = serializers.PrimaryKeyRelatedField(queryset=CriticConfig.objects.all())
    dataset = serializers.PrimaryKeyRelatedField(queryset=Dataset.objects.all())
    kind = serializers.ChoiceField(choices=["summary", "code"], required=False)
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="Only these items of the dataset.",
    )


class CritiqueCommentSerializer(serializers.ModelSerializer[CritiqueComment]):
    class Meta:
        model = CritiqueComment
        fields = (
            "position",
            "quote",
            "start",
            "end",
            "line_start",
            "line_end",
            "grounded",
            "comment",
            "severity",
            "category",
        )


class CritiqueSerializer(serializers.ModelSerializer[Critique]):
    comments = CritiqueCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Critique
        fields = (
            "id",
            "item",
            "critic",
            "sample_index",
            "chosen",
            "text",
            "score",
            "critiqueability",
            "helpful",
            "latency_ms",
            "prompt_tokens",
            "completion_tokens",
            "error",
            "comments",
        )
