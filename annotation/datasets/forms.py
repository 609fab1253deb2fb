from __future__ import annotations

from django import forms

from annotation.datasets.importing.reading import FORMATS

FORMAT_LABELS = {
    "auto": "Detect from the file",
    "jsonl": "Redline JSON Lines",
    "csv": "Redline CSV",
    "openai-critiques": "OpenAI critiques release",
    "humaneval": "HumanEval problems",
}


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSON Lines or CSV, optionally gzipped.")
    name = forms.CharField(max_length=200, help_text="A new dataset, or an existing one to extend.")
    format = forms.ChoiceField(choices=[(key, FORMAT_LABELS[key]) for key in FORMATS], initial="auto")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
