"""The demo's planted bugs: every kept mutant fails its problem's tests; every original passes."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from annotation.datasets.models import Dataset, Item, PlantedFlaw
from annotation.demo.code_items import find_mutants, load_problems, run_tests
from annotation.demo.mutations import candidate_mutations
from annotation.demo.seed import CODE_DATASET, SUMMARY_DATASET
from annotation.users import User
from assist.models import Critique
from models_service.sandbox import Limits, bwrap_works, run_python

SOURCE = """def f(xs, n):
    if not xs:
        return 0
    total = 0
    for i in range(1, n):
        if xs[i] > 0 and i % 2 == 0:
            total = total + xs[i]
    return [x for x in xs if x > total] or max(xs, total) or True
"""


def test_every_operator_produces_a_parsable_one_spot_change() -> None:
    mutations = candidate_mutations(SOURCE)
    assert {m.operator for m in mutations} == {
        "comparison",
        "off_by_one",
        "arithmetic",
        "swapped_arguments",
        "dropped_condition",
        "return_value",
    }
    for mutation in mutations:
        mutated = mutation.apply(SOURCE)
        start, end = mutation.new_span
        assert mutated[:start] == SOURCE[: mutation.start]
        assert mutated[end:] == SOURCE[mutation.end :]
        assert mutated[start:end] == mutation.replacement
    descriptions = {m.description for m in mutations}
    assert (
        "Comparison flipped: `xs[i] > 0` became `xs[i] >= 0` (line 6 of the response, line 6 of the solution)."
        in descriptions
    )
    assert any("`range(1, n)` became `range(1, n + 1)`" in d for d in descriptions)
    assert any("`xs[i] > 0 and i % 2 == 0` became `i % 2 == 0`" in d for d in descriptions)


def test_mutations_never_touch_the_prompt() -> None:
    assert all(m.start >= SOURCE.index("    if") for m in candidate_mutations(SOURCE, first_line=6))


def test_the_sandbox_isolates_and_limits() -> None:
    assert bwrap_works(), "bubblewrap must work here: the suite runs untrusted code only under it"
    network = run_python("import socket; socket.create_connection(('127.0.0.1', 5432), timeout=2)")
    assert not network.passed and network.isolation == "bwrap"
    assert "Network is unreachable" in network.stderr or "Connection refused" in network.stderr
    readonly = run_python("open('/usr/redline-probe', 'w')")
    assert "Read-only file system" in readonly.stderr
    spin = run_python("while True: pass", limits=Limits(cpu_s=1, wall_s=5))
    assert spin.timed_out and not spin.passed
    sleeper = run_python("import time; time.sleep(30)", limits=Limits(wall_s=1))
    assert sleeper.timed_out and sleeper.duration_s < 5
    memory = run_python("x = bytearray(2 * 1024**3)", limits=Limits(memory_mb=256))
    assert "MemoryError" in memory.stderr


def test_kept_mutants_fail_their_tests_and_originals_pass() -> None:
    problems = load_problems(12)
    mutants = find_mutants(problems, seed=7)
    assert len(mutants) >= 10
    for mutant in mutants:
        assert run_tests(mutant.problem.source, mutant.problem.tests).passed, mutant.problem.task_id
        assert not run_tests(mutant.source, mutant.problem.tests).passed, mutant.problem.task_id
    assert len({m.mutation.operator for m in mutants}) >= 3


@pytest.mark.django_db
def test_seed_demo_builds_the_datasets_and_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo", "--code-items", "8")
    counts = (Dataset.objects.count(), Item.objects.count(), PlantedFlaw.objects.count(), User.objects.count())
    code = Dataset.objects.get(name=CODE_DATASET)
    summaries = Dataset.objects.get(name=SUMMARY_DATASET)
    assert summaries.items.count() >= 20
    assert PlantedFlaw.objects.filter(item__dataset=summaries).exists()
    assert summaries.items.filter(planted_flaws__isnull=True).exists()
    mutants = code.items.filter(author="redline-mutator")
    assert mutants.count() >= 6
    for item in mutants:
        flaw = item.planted_flaws.get()
        assert (flaw.origin, flaw.category) == ("mutation", "bug")
        assert flaw.line_start is not None and flaw.start is not None and flaw.end is not None
        assert item.response[flaw.start : flaw.end] in flaw.description
        assert not run_tests(item.response, item.tests).passed
    assert code.items.filter(author="human").exists()
    assert "Demo logins" in capsys.readouterr().out

    call_command("seed_demo", "--code-items", "8")
    assert (Dataset.objects.count(), Item.objects.count(), PlantedFlaw.objects.count(), User.objects.count()) == counts
    assert Critique.objects.count() == 0
    assert User.objects.get(username="researcher").check_password("redline-demo")


@pytest.mark.django_db
def test_seed_demo_queues_the_demo_critique_runs_once() -> None:
    from assist.models import CriticConfig, CritiqueRun

    call_command("seed_demo", "--code-items", "4", "--critiques", "--cpu-critic-url", "http://127.0.0.1:9999/v1")
    call_command("seed_demo", "--code-items", "4", "--critiques")
    runs = CritiqueRun.objects.select_related("critic").order_by("id")
    assert [run.critic.backend for run in runs] == ["execution", "openai"]
    cpu = CriticConfig.objects.get(backend="openai")
    assert (cpu.base_url, cpu.model, cpu.prompt_version) == ("http://127.0.0.1:9999/v1", "smollm2-135m-instruct", "v3")
    assert cpu.sampling["quote_mode"] == "lines"
    execution_run, cpu_run = runs
    assert execution_run.total == Item.objects.filter(dataset__name=CODE_DATASET).count()
    assert cpu_run.total == min(12, Item.objects.filter(dataset__name=CODE_DATASET).count()) + 12
    # One comparison study of the two critics and the planted bugs' descriptions, waiting for their critiques.
    from annotation.comparing.models import ComparisonSetup
    from annotation.demo.seed import COMPARISON_STUDY
    from annotation.studies.lifecycle import check_launch

    setup = ComparisonSetup.objects.get(study__name=COMPARISON_STUDY)
    assert setup.include_gold and setup.critics.count() == 2 and setup.study.task_kind == "compare"
    assert setup.study.contractors.count() == 2
    assert any("no chosen critique" in problem for problem in check_launch(setup.study))
