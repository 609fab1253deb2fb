"""The checks a tamper gets in the background: the item's tests on the tampered version (in the
sandbox), and the study's critic critiquing the submitted tamper 3 times (did it catch the flaw
every time? CriticGPT kept the bugs a critic misses at least once)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from annotation.datasets.models import PlantedFlaw
from annotation.results.matching import Span, overlap
from annotation.tampering.celery_jobs import run_tamper_tests
from annotation.tampering.models import Tamper, TamperSetup
from annotation.tampering.work import digest
from assist.interface import RunRefused, critique_spans_of_run, run_status, start_run_for_items

CHECK_SAMPLES = 3


def do_request_tests(tamper: Tamper) -> None:
    version = digest(tamper.text)
    asked = timezone.now().isoformat()
    Tamper.objects.filter(pk=tamper.pk).update(tests={"state": "running", "for": version, "asked": asked})
    transaction.on_commit(lambda: run_tamper_tests.delay(tamper.pk, version))


def do_request_critic_check(tamper: Tamper) -> None:
    setup = TamperSetup.objects.filter(study_id=tamper.assignment.study_id).first()
    if setup is None or setup.critic_id is None or tamper.item_id is None:
        return
    try:
        run_id = start_run_for_items(setup.critic_id, [tamper.item_id], None, samples=CHECK_SAMPLES)
    except RunRefused as exc:
        Tamper.objects.filter(pk=tamper.pk).update(critic_check={"state": "refused", "error": str(exc)})
        return
    Tamper.objects.filter(pk=tamper.pk).update(critic_check={"state": "running", "run": run_id})


def refresh_critic_check(tamper: Tamper) -> dict[str, object]:
    """The check's result; computed and stored once the critic's run is over."""
    check = dict(tamper.critic_check or {})
    if check.get("state") != "running" or tamper.item_id is None:
        return check
    run_id = int(str(check["run"]))
    status = run_status(run_id)
    if status in ("queued", "running"):
        return check
    planted = [
        Span(f.start, f.end, f.line_start, f.line_end) for f in PlantedFlaw.objects.filter(item_id=tamper.item_id)
    ]
    code = tamper.assignment.item.kind == "code"
    samples = critique_spans_of_run(run_id, tamper.item_id)
    caught = [
        any(overlap(Span(*span), flaw, code=code) >= 0.3 for span in spans for flaw in planted) for spans in samples
    ]
    check = {
        "state": "done",
        "run": run_id,
        "samples": len(caught),
        "caught": caught,
        "caught_count": sum(caught),
        "caught_every_time": bool(caught) and all(caught),
    }
    Tamper.objects.filter(pk=tamper.pk).update(critic_check=check)
    return check
