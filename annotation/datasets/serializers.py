from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.datasets.forms import FORMAT_LABELS
from annotation.datasets.models import Dataset, ImportJob, Item, PlantedFlaw
from assist.interface import critique_label_counts


class DatasetSerializer(serializers.ModelSerializer[Dataset]):
    item_count = serializers.IntegerField(read_only=True)
    created_by = serializers.SerializerMethodField(help_text="Who imported it; null for a system import.")

    class Meta:
        model = Dataset
        fields = ("id", "name", "description", "source_format", "item_count", "created_by", "created_at")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, dataset: Dataset) -> str | None:
        return dataset.created_by.get_username() if dataset.created_by else None


class CritiqueLabelsSerializer(serializers.Serializer[dict[str, Any]]):
    critic = serializers.CharField(source="critic__name")
    critiques = serializers.IntegerField()
    labelled_helpful = serializers.IntegerField()
    labelled_not_helpful = serializers.IntegerField()
    unlabelled = serializers.IntegerField()


class DatasetDetailSerializer(DatasetSerializer):
    labels = serializers.SerializerMethodField(
        help_text="Per critic: its critiques of the dataset's items and the human helpfulness labels they came with."
    )

    class Meta(DatasetSerializer.Meta):
        fields = (*DatasetSerializer.Meta.fields, "labels")  # type: ignore[assignment]  # one more field

    @extend_schema_field(CritiqueLabelsSerializer(many=True))
    def get_labels(self, dataset: Dataset) -> list[dict[str, Any]]:
        rows = critique_label_counts(dataset.items.all())
        return list(CritiqueLabelsSerializer(rows, many=True).data)  # type: ignore[arg-type]  # many=True takes a list


class PlantedFlawSerializer(serializers.ModelSerializer[PlantedFlaw]):
    class Meta:
        model = PlantedFlaw
        fields = ("id", "start", "end", "line_start", "line_end", "description", "severity", "category", "origin")


class ItemSerializer(serializers.ModelSerializer[Item]):
    planted_flaws = PlantedFlawSerializer(many=True, read_only=True)

    class Meta:
        model = Item
        fields = (
            "id",
            "dataset",
            "external_id",
            "kind",
            "context",
            "question",
            "response",
            "author",
            "language",
            "tests",
            "metadata",
            "content_hash",
            "planted_flaws",
        )


LIST_TEXT_CHARS = 2_000


class ItemListSerializer(ItemSerializer):
    """Items in a list: long texts cut to their first LIST_TEXT_CHARS characters (one item's
    endpoint has them whole), so a page of 50 items stays small whatever was imported."""

    truncated = serializers.SerializerMethodField(help_text="Fields cut short here; GET the item for them whole.")

    class Meta(ItemSerializer.Meta):
        fields = (*ItemSerializer.Meta.fields, "truncated")  # type: ignore[assignment]  # one more field

    def to_representation(self, instance: Item) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in ("context", "question", "response", "tests"):
            if isinstance(data.get(name), str) and len(data[name]) > LIST_TEXT_CHARS:
                data[name] = data[name][:LIST_TEXT_CHARS]
        return dict(data)

    def get_truncated(self, item: Item) -> list[str]:
        return [
            name for name in ("context", "question", "response", "tests") if len(getattr(item, name)) > LIST_TEXT_CHARS
        ]


class ImportRequestSerializer(serializers.Serializer[None]):
    file = serializers.FileField()
    name = serializers.CharField(max_length=200)
    format = serializers.ChoiceField(choices=list(FORMAT_LABELS), default="auto")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ImportResultSerializer(serializers.Serializer[None]):
    dataset_id = serializers.IntegerField()
    dataset_name = serializers.CharField()
    format = serializers.CharField()
    created_dataset = serializers.BooleanField()
    items = serializers.IntegerField()
    duplicates_skipped = serializers.IntegerField()
    planted_flaws = serializers.IntegerField()
    critiques = serializers.IntegerField()
    critique_comments = serializers.IntegerField()
    helpful_critiques = serializers.IntegerField()
    critics = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(
        child=serializers.DictField(), help_text="Imported, but worth a look: line, field and message."
    )


class RowErrorSerializer(serializers.Serializer[None]):
    line = serializers.IntegerField(help_text="1-based line of the file; 0 for the file as a whole.")
    field = serializers.CharField()
    message = serializers.CharField()


class ImportErrorSerializer(serializers.Serializer[None]):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]  # documents the 400 body only
    truncated = serializers.BooleanField()


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = ("id", "name", "format", "filename", "size", "status", "percent", "bytes_done", "result", "errors",
                  "created_at", "finished_at")  # fmt: skip
        read_only_fields = fields
