from __future__ import annotations

from typing import Any

from django import forms

from annotation.datasets.models import Dataset
from assist.critic_settings import DEFAULTS, KEYS, CriticSettings, CriticSettingsError
from assist.models import Backend, CriticConfig
from models_service.prompts import PROMPT_VERSIONS


def _setting_field(key: str) -> forms.Field:
    spec = KEYS[key]
    default = getattr(DEFAULTS, key)
    attrs = {"placeholder": "" if default is None else str(default)}
    if spec.kind is int:
        low, high = (None if b is None else int(b) for b in (spec.low, spec.high))
        return forms.IntegerField(
            required=False, min_value=low, max_value=high, help_text=spec.help, widget=forms.NumberInput(attrs)
        )
    return forms.FloatField(
        required=False, min_value=spec.low, max_value=spec.high, help_text=spec.help, widget=forms.NumberInput(attrs)
    )


class CriticConfigForm(forms.ModelForm[CriticConfig]):
    """The page's critic form. It edits a few settings (the API edits all of them); a setting the
    user leaves as it was is not written, so the critic keeps its defaults where nobody chose."""

    SAMPLING_FIELDS = ("n", "temperature", "max_tokens", "seed", "max_in_flight")

    n = _setting_field("n")
    temperature = _setting_field("temperature")
    max_tokens = _setting_field("max_tokens")
    seed = _setting_field("seed")
    max_in_flight = _setting_field("max_in_flight")
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.SAMPLING_FIELDS:
            if name in (self.instance.sampling or {}):
                self.initial[name] = self.instance.sampling[name]
        backend = self.fields["backend"]
        assert isinstance(backend, forms.ChoiceField)
        backend.choices = [(value, label) for value, label in Backend.choices if value != Backend.IMPORTED]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            CriticSettings.parse(self._sampling(cleaned))
        except CriticSettingsError as exc:
            self.add_error(exc.key if exc.key in self.fields else None, str(exc))
        return cleaned

    def _sampling(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        sampling = dict(self.instance.sampling or {})
        for name in self.SAMPLING_FIELDS:
            if name not in self.changed_data:
                continue
            value = cleaned.get(name)
            if value is None:
                sampling.pop(name, None)
            else:
                sampling[name] = value
        return sampling

    def save(self, commit: bool = True) -> CriticConfig:
        critic = super().save(commit=False)
        critic.sampling = self._sampling(self.cleaned_data)
        if commit:
            critic.save()
        return critic


class StartRunForm(forms.Form):
    critic = forms.ModelChoiceField(queryset=CriticConfig.objects.exclude(backend="imported"))
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.all())
    kind = forms.ChoiceField(choices=[("", "All items"), ("summary", "Summaries"), ("code", "Code")], required=False)
