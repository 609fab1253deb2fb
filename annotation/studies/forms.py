from __future__ import annotations

from typing import Any

from django import forms

from annotation.access import studies_for
from annotation.choices import Kind
from annotation.datasets.models import Dataset
from annotation.studies.lifecycle import StudySpec
from annotation.studies.models import MAX_ITEMS, MAX_SECONDS, MAX_SEED, Design, Study, TaskKind
from annotation.studies.task_options import TaskOptions
from annotation.users import Role, User


def contractor_queryset() -> Any:
    # A crowd participant's account belongs to the one study they joined: never offered elsewhere.
    return User.objects.filter(groups__name=Role.CONTRACTOR, is_active=True, participant__isnull=True).order_by(
        "username"
    )


class StudyForm(forms.Form):
    field_order = (
        "name",
        "task_kind",
        "datasets",
        "kind",
        "max_items",
        "unassisted",
        "critics",
        "compare_critics",
        "reports_from",
        "include_gold",
        "per_task",
        "refine_critic",
        "tamper_dataset",
        "tamper_critic",
    )
    name = forms.CharField(max_length=200)
    datasets = forms.ModelMultipleChoiceField(
        queryset=Dataset.objects.order_by("name"), widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *Kind.choices], required=False)
    max_items = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ITEMS,
        help_text="Leave blank for all; otherwise a sample drawn with the seed.",
    )
    unassisted = forms.BooleanField(required=False, initial=True, label="Unassisted arm (control)")
    critics = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Assisted arms (one per critic)"
    )
    design = forms.ChoiceField(choices=Design.choices, initial=Design.BETWEEN)
    reviews_per_item = forms.IntegerField(min_value=1, max_value=50, initial=1, help_text="In every arm.")
    seed = forms.IntegerField(
        initial=0,
        min_value=-MAX_SEED - 1,
        max_value=MAX_SEED,
        help_text="Assignment and sampling are reproducible from it.",
    )
    time_limit_s = forms.IntegerField(
        required=False, min_value=10, max_value=MAX_SECONDS, label="Time limit per task (seconds)"
    )
    abandon_after_s = forms.IntegerField(
        min_value=60, max_value=MAX_SECONDS, initial=3600, label="Release unfinished tasks after (seconds)"
    )
    pooled = forms.BooleanField(
        required=False,
        label="Pooled tasks (open recruitment)",
        help_text="Tasks go to whoever asks next; contractors may join after launch, e.g. from Prolific.",
    )
    tasks_per_contractor = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_SECONDS, label="At most this many tasks per contractor"
    )
    instructions = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown; shown to contractors."
    )
    contractors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    task_kind = forms.ChoiceField(choices=TaskKind.choices, initial=TaskKind.REVIEW, required=False, label="Task")
    compare_critics = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Critics whose critiques are compared"
    )
    reports_from = forms.ModelChoiceField(
        queryset=Study.objects.none(), required=False, label="Human critiques: the flaw reports of this review study"
    )
    include_gold = forms.BooleanField(
        required=False, label="Gold critiques: each item's planted flaws in their own words"
    )
    per_task = forms.IntegerField(
        min_value=2, max_value=4, initial=4, required=False, label="Critiques side by side (2-4)"
    )
    refine_critic = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Compare originals with this critic's refinements"
    )
    tamper_dataset = forms.CharField(max_length=200, required=False, label="Accepted tampers go to a new dataset named")
    tamper_critic = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Critic that checks each tamper 3 times (optional)"
    )

    def __init__(self, *args: Any, owner: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from assist.interface import critic_choices

        critics = critic_choices()
        self.fields["critics"].choices = critics  # type: ignore[attr-defined]
        self.fields["compare_critics"].choices = critics  # type: ignore[attr-defined]
        self.fields["refine_critic"].choices = [("", "—"), *critics]  # type: ignore[attr-defined]
        self.fields["tamper_critic"].choices = [("", "None"), *critics]  # type: ignore[attr-defined]
        self.fields["contractors"].queryset = contractor_queryset()  # type: ignore[attr-defined]
        if owner is not None:
            mine = studies_for(owner).filter(task_kind=TaskKind.REVIEW).order_by("-created_at")
            self.fields["reports_from"].queryset = mine  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("task_kind") or TaskKind.REVIEW) != TaskKind.REVIEW:
            return data
        if not data.get("unassisted") and not data.get("critics"):
            raise forms.ValidationError("Choose at least one arm: unassisted, or a critic for an assisted arm.")
        return data

    def spec(self) -> StudySpec:
        data = self.cleaned_data
        return StudySpec(
            name=data["name"],
            datasets=list(data["datasets"]),
            kind=data["kind"],
            max_items=data["max_items"],
            unassisted=data["unassisted"],
            critic_ids=data["critics"],
            contractors=list(data["contractors"]),
            design=data["design"],
            reviews_per_item=data["reviews_per_item"],
            seed=data["seed"],
            instructions=data["instructions"],
            time_limit_s=data["time_limit_s"],
            abandon_after_s=data["abandon_after_s"],
            task_kind=data["task_kind"] or TaskKind.REVIEW,
            pooled=data["pooled"],
            tasks_per_contractor=data["tasks_per_contractor"],
            tasks=TaskOptions(
                compare_critic_ids=data["compare_critics"],
                reports_from=data["reports_from"],
                include_gold=data["include_gold"],
                per_task=data["per_task"] or 4,
                refine_critic_id=data["refine_critic"],
                tamper_dataset=data["tamper_dataset"],
                tamper_critic_id=data["tamper_critic"],
            ),
        )


class EnrolForm(forms.Form):
    contractors = forms.ModelMultipleChoiceField(queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contractors"].queryset = contractor_queryset()  # type: ignore[attr-defined]
