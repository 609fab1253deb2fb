"""A tamper's tests, run in the sandbox by the worker on one version of the tampered text."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from annotation.tampering.models import Tamper
from annotation.tampering.work import digest
from models_service.sandbox import Limits, SandboxUnavailable, run_python

OUTPUT_TAIL = 4000


def execute_tests(tamper_id: int, version: str) -> str:
    """Run the item's tests on the tampered text; the result is kept only if the text is still that version."""
    tamper = Tamper.objects.select_related("assignment__item").get(pk=tamper_id)
    if digest(tamper.text) != version:
        return "stale: the text changed since the run was asked for"
    item = tamper.assignment.item
    try:
        result = run_python(f"{tamper.text}\n\n{item.tests}\n", limits=Limits(), mode=settings.REDLINE_SANDBOX)  # type: ignore[arg-type]
    except SandboxUnavailable as exc:
        Tamper.objects.filter(pk=tamper_id).update(tests={"state": "error", "for": version, "output": str(exc)})
        return "error"
    output = (result.stdout + result.stderr)[-OUTPUT_TAIL:]
    state = "passed" if result.passed else "failed"
    record = {
        "state": state,
        "for": version,
        "timed_out": result.timed_out,
        "output": output,
        "seconds": round(result.duration_s, 3),
        "at": timezone.now().isoformat(),
    }
    Tamper.objects.filter(pk=tamper_id, text=tamper.text).update(tests=record)
    return state
