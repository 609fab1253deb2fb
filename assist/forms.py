from __future__ import annotations

from typing import Any

from django import forms

from annotation.models import Dataset
from assist.models import Backend, CriticConfig
from models_service.prompts import PROMPT_VERSIONS


class CriticConfigForm(forms.ModelForm[CriticConfig]):
    n = forms.IntegerField(min_value=1, max_value=64, initial=4, help_text="Samples per item (best of n).")
    temperature = forms.FloatField(min_value=0, max_value=2, initial=0.7)
    max_tokens = forms.IntegerField(min_value=16, max_value=16384, initial=1024)
    seed = forms.IntegerField(required=False, help_text="Fix it for reproducible samples.")
    max_in_flight = forms.IntegerField(
        min_value=1, max_value=1024, initial=64, help_text="Requests the worker keeps open at once."
    )
    prompt_version = forms.ChoiceField(choices=[(v, v) for v in PROMPT_VERSIONS])

    class Meta:
        model = CriticConfig
        fields = (
            "name",
            "backend",
            "base_url",
            "model",
            "prompt_version",
            "strategy",
            "length_modifier",
            "description",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    SAMPLING_FIELDS = ("n", "temperature", "max_tokens", "seed", "max_in_flight")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.SAMPLING_FIELDS:
            if name in (self.instance.sampling or {}):
                self.initial[name] = self.instance.sampling[name]
        backend = self.fields["backend"]
        assert isinstance(backend, forms.ChoiceField)
        backend.choices = [(value, label) for value, label in Backend.choices if value != Backend.IMPORTED]

    def save(self, commit: bool = True) -> CriticConfig:
        critic = super().save(commit=False)
        sampling = dict(critic.sampling or {})
        for name in self.SAMPLING_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None:
                sampling.pop(name, None)
            else:
                sampling[name] = value
        critic.sampling = sampling
        if commit:
            critic.save()
        return critic


class StartRunForm(forms.Form):
    critic = forms.ModelChoiceField(queryset=CriticConfig.objects.exclude(backend="imported"))
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.all())
    kind = forms.ChoiceField(choices=[("", "All items"), ("summary", "Summaries"), ("code", "Code")], required=False)
