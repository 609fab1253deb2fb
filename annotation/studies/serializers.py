from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotation.access import studies_for
from annotation.choices import Kind
from annotation.datasets.models import Dataset, Item
from annotation.studies.lifecycle import StudySpec
from annotation.studies.models import MAX_ITEMS, MAX_SECONDS, MAX_SEED, Arm, Design, Study, TaskKind
from annotation.studies.task_options import TaskOptions
from annotation.users import Role, User


class ArmSerializer(serializers.ModelSerializer[Arm]):
    class Meta:
        model = Arm
        fields = ("id", "name", "kind", "critic", "position")


class StudySerializer(serializers.ModelSerializer[Study]):
    arms = ArmSerializer(many=True, read_only=True)
    owner: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    item_count = serializers.SerializerMethodField()
    contractors: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="username"
    )

    class Meta:
        model = Study
        fields = (
            "id",
            "name",
            "task_kind",
            "owner",
            "status",
            "design",
            "reviews_per_item",
            "seed",
            "instructions",
            "time_limit_s",
            "abandon_after_s",
            "pooled",
            "tasks_per_contractor",
            "match_threshold",
            "arms",
            "item_count",
            "dropped_items",
            "contractors",
            "created_at",
            "launched_at",
            "closed_at",
        )

    def get_item_count(self, study: Study) -> int:
        return study.items.count()


def _contractors() -> Any:
    return User.objects.filter(groups__name=Role.CONTRACTOR, participant__isnull=True)


class StudyCreateSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=200)
    datasets = serializers.PrimaryKeyRelatedField(queryset=Dataset.objects.all(), many=True, required=False)
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_SEED), required=False, default=list
    )
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, allow_blank=True, default="")
    max_items = serializers.IntegerField(
        min_value=1, max_value=MAX_ITEMS, required=False, allow_null=True, default=None
    )
    unassisted = serializers.BooleanField(default=True)
    critics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_SEED), required=False, default=list
    )
    contractors = serializers.SlugRelatedField(
        many=True, required=False, slug_field="username", queryset=_contractors()
    )
    design = serializers.ChoiceField(choices=Design.choices, default=Design.BETWEEN)
    reviews_per_item = serializers.IntegerField(min_value=1, max_value=50, default=1)
    seed = serializers.IntegerField(min_value=-MAX_SEED - 1, max_value=MAX_SEED, default=0)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    time_limit_s = serializers.IntegerField(
        min_value=10, max_value=MAX_SECONDS, required=False, allow_null=True, default=None
    )
    abandon_after_s = serializers.IntegerField(min_value=60, max_value=MAX_SECONDS, default=3600)
    pooled = serializers.BooleanField(default=False)
    tasks_per_contractor = serializers.IntegerField(
        min_value=1, max_value=MAX_SECONDS, required=False, allow_null=True, default=None
    )
    task_kind = serializers.ChoiceField(choices=TaskKind.choices, default=TaskKind.REVIEW)
    compare_critics = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_SEED),
        required=False,
        default=list,
        help_text="Comparison studies: the critics whose critiques are compared.",
    )
    reports_from = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SEED,
        required=False,
        allow_null=True,
        default=None,
        help_text="Comparison studies: one of your review studies, whose flaw reports become human critiques.",
    )
    include_gold = serializers.BooleanField(
        default=False, help_text="Comparison studies: gold critiques (each item's planted flaws in their own words)."
    )
    per_task = serializers.IntegerField(min_value=2, max_value=4, default=4)
    refine_critic = serializers.IntegerField(
        min_value=1, max_value=MAX_SEED, required=False, allow_null=True, default=None
    )
    tamper_dataset = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    tamper_critic = serializers.IntegerField(
        min_value=1, max_value=MAX_SEED, required=False, allow_null=True, default=None
    )

    def validate_reports_from(self, value: int | None) -> Study | None:
        if value is None:
            return None
        found = studies_for(self.context["user"]).filter(pk=value, task_kind=TaskKind.REVIEW).first()
        if found is None:
            raise serializers.ValidationError(f"No review study of yours with id {value}.")
        return found

    def _critic(self, value: int | None) -> int | None:
        from assist.interface import critic_choices

        if value is not None and not critic_choices([value]):
            raise serializers.ValidationError(f"No critic with id {value}.")
        return value

    def validate_refine_critic(self, value: int | None) -> int | None:
        return self._critic(value)

    def validate_tamper_critic(self, value: int | None) -> int | None:
        return self._critic(value)

    def validate_compare_critics(self, value: list[int]) -> list[int]:
        return self.validate_critics(value)

    def validate_critics(self, value: list[int]) -> list[int]:
        from assist.interface import critic_choices

        unknown = sorted(set(value) - {pk for pk, _ in critic_choices(value)})
        if unknown:
            raise serializers.ValidationError(f"No critic with id {', '.join(map(str, unknown))}.")
        return value

    def validate_item_ids(self, value: list[int]) -> list[int]:
        unknown = sorted(set(value) - set(Item.objects.filter(pk__in=value).values_list("pk", flat=True)))
        if unknown:
            raise serializers.ValidationError(f"No item with id {', '.join(map(str, unknown[:20]))}.")
        return value

    def spec(self) -> StudySpec:
        data = self.validated_data
        return StudySpec(
            name=data["name"],
            datasets=data.get("datasets", []),
            item_ids=data["item_ids"],
            kind=data["kind"],
            max_items=data["max_items"],
            unassisted=data["unassisted"],
            critic_ids=data["critics"],
            contractors=data.get("contractors", []),
            design=data["design"],
            reviews_per_item=data["reviews_per_item"],
            seed=data["seed"],
            instructions=data["instructions"],
            time_limit_s=data["time_limit_s"],
            abandon_after_s=data["abandon_after_s"],
            task_kind=data["task_kind"],
            pooled=data["pooled"],
            tasks_per_contractor=data["tasks_per_contractor"],
            tasks=TaskOptions(
                compare_critic_ids=data["compare_critics"],
                reports_from=data["reports_from"],
                include_gold=data["include_gold"],
                per_task=data["per_task"],
                refine_critic_id=data["refine_critic"],
                tamper_dataset=data["tamper_dataset"],
                tamper_critic_id=data["tamper_critic"],
            ),
        )


class EnrolSerializer(serializers.Serializer[None]):
    contractors = serializers.SlugRelatedField(many=True, slug_field="username", queryset=_contractors())


class ArmProgressSerializer(serializers.Serializer[None]):
    arm = serializers.CharField(source="arm.name")
    arm_id = serializers.IntegerField(source="arm.pk")
    total = serializers.IntegerField()
    submitted = serializers.IntegerField()
    active = serializers.IntegerField()
    pending = serializers.IntegerField()


class ContractorFiguresSerializer(serializers.Serializer[None]):
    username = serializers.CharField()
    submitted = serializers.IntegerField()
    left = serializers.IntegerField()
    median_active_s = serializers.FloatField(allow_null=True)
    tasks_per_hour = serializers.FloatField(allow_null=True)


class ProgressSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    arms = ArmProgressSerializer(many=True)
    contractors = ContractorFiguresSerializer(many=True)
    released = serializers.IntegerField()


class LaunchRefusedSerializer(serializers.Serializer[None]):
    detail = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())
    missing_critiques = serializers.DictField(child=serializers.IntegerField(), help_text="Arm name -> items missing.")
    failed_critiques = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Arm name -> item id -> why its critique failed; drop them with POST drop-failed/.",
    )


class MatchThresholdSerializer(serializers.Serializer[None]):
    match_threshold = serializers.FloatField(min_value=0.0, max_value=1.0)


class StudyExportSerializer(serializers.Serializer[None]):
    format = serializers.ChoiceField(choices=["jsonl", "csv", "parquet", "openai-critiques"])
    tables = serializers.ListField(child=serializers.CharField(), required=False, help_text="Empty: every table.")
