"""Forms of the labeling page. Cross-field checks live in reviewing.check_flaw."""

from __future__ import annotations

from django import forms

from annotation.choices import Severity
from annotation.labeling.reviewing import FlawInput


class FlawForm(forms.Form):
    description = forms.CharField(max_length=5000, error_messages={"required": "Say what is wrong."})
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MAJOR)
    category = forms.CharField(max_length=16)
    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    line_start = forms.IntegerField(required=False, min_value=1)
    line_end = forms.IntegerField(required=False, min_value=1)

    def flaw(self) -> FlawInput:
        data = self.cleaned_data
        return FlawInput(
            description=data["description"],
            severity=data["severity"],
            category=data["category"],
            start=data["start"],
            end=data["end"],
            line_start=data["line_start"],
            line_end=data["line_end"],
        )


class DraftForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 8)], coerce=int, required=False, empty_value=None
    )
    free_text = forms.CharField(required=False, max_length=20000)


class JudgeForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("accepted", ""), ("rejected", ""), ("nitpick", ""), ("none", "")], required=False
    )
    helpful = forms.NullBooleanField(required=False)


class ActiveTimeForm(forms.Form):
    seconds = forms.FloatField(min_value=0)
