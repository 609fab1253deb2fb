"""A tamper's tests, run in the sandbox by the worker on one version of the tampered text."""

from __future__ import annotations

import builtins
import logging
import re

from django.utils import timezone

from annotation.tampering.models import Tamper
from annotation.tampering.work import digest
from models_service.sandbox import Limits, SandboxUnavailable, run_python

OUTPUT_TAIL = 4000
log = logging.getLogger(__name__)
_ERROR = re.compile(r"^(\w+(?:Error|Exception|Exit|Interrupt))\b", re.MULTILINE)


def summary(stderr: str, timed_out: bool) -> str:
    """What the tamperer is told of a failure: the exception's name only (the message could carry
    anything the code chose to print)."""
    if timed_out:
        return "The tests did not finish within the time limit."
    names = [name for name in _ERROR.findall(stderr) if isinstance(getattr(builtins, name, None), type)]
    return f"The tests raise {names[-1]}." if names else "The tests fail."


def execute_tests(tamper_id: int, version: str) -> str:
    """Run the item's tests on the tampered text; the result is kept only if the text is still that version."""
    tamper = Tamper.objects.select_related("assignment__item").get(pk=tamper_id)
    if digest(tamper.text) != version:
        return "stale: the text changed since the run was asked for"
    item = tamper.assignment.item
    try:
        # A contractor wrote this code: full isolation (no network, no other processes) or no run at all.
        result = run_python(f"{tamper.text}\n\n{item.tests}\n", limits=Limits(), mode="bwrap")
    except Exception as exc:
        log.exception("tests of tamper %s could not run", tamper_id)
        reason = str(exc) if isinstance(exc, SandboxUnavailable) else f"internal error: {type(exc).__name__}"
        Tamper.objects.filter(pk=tamper_id).update(tests={"state": "error", "for": version, "output": reason})
        return "error"
    output = (result.stdout + result.stderr)[-OUTPUT_TAIL:]
    state = "passed" if result.passed else "failed"
    record = {
        "state": state,
        "for": version,
        "timed_out": result.timed_out,
        "output": output,  # for the researcher; the tamperer sees only `summary`
        "summary": summary(result.stderr, result.timed_out),
        "seconds": round(result.duration_s, 3),
        "at": timezone.now().isoformat(),
    }
    Tamper.objects.filter(pk=tamper_id, text=tamper.text).update(tests=record)
    return state
