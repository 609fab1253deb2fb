"""The small interface annotation's templates use to offer critique generation."""

from __future__ import annotations

from django import template

from annotation.datasets.models import Dataset
from assist.forms import StartRunForm

register = template.Library()


@register.inclusion_tag("assist/_start_run.html", takes_context=True)
def start_run_form(context: template.Context, dataset: Dataset | None = None) -> dict[str, object]:
    return {"start_form": StartRunForm(), "dataset": dataset, "csrf_token": context.get("csrf_token")}
