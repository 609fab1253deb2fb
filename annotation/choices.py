from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    SUMMARY = "summary", "Summary"
    CODE = "code", "Code"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"


class Category(models.TextChoices):
    # Summary review (self-critiquing paper).
    ACCURACY = "accuracy", "Accuracy"
    COVERAGE = "coverage", "Coverage"
    COHERENCE = "coherence", "Coherence"
    # Code review (CriticGPT).
    BUG = "bug", "Bug"
    SECURITY = "security", "Security"
    PERFORMANCE = "performance", "Performance"
    STYLE = "style", "Style"
    OTHER = "other", "Other"


CATEGORIES_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.SUMMARY: ("accuracy", "coverage", "coherence", "other"),
    Kind.CODE: ("bug", "security", "performance", "style", "other"),
}


class FlawOrigin(models.TextChoices):
    IMPORT = "import", "Imported"
    MUTATION = "mutation", "AST mutation"
    TAMPERING = "tampering", "Tampering"
    MANUAL = "manual", "Written by hand"
    ATTENTION = "attention", "Attention check"


def severity_from_number(value: int) -> str:
    """Map the 1-4 severity scale of the OpenAI critiques release onto ours."""
    if value >= 4:
        return Severity.CRITICAL
    if value == 3:
        return Severity.MAJOR
    return Severity.MINOR
