"""The critic bench's judge (content, not only location) and the prompt it measures: v3 has nothing
to copy, line-restricted quotes, and execution-informed critiques that see the failing test."""

from __future__ import annotations

import json
from dataclasses import replace

from models_service.anchoring import anchor_quote
from models_service.critique import CommentDraft
from models_service.execution import failing_test_report
from models_service.prompts import ItemInput, critique_messages, critique_schema, quote_units
from tests.critic_judge import judge, mutant_flaw, praises, summary_flaw

FIB = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n + 2)\n"
FIB_ORIGINAL = FIB.replace("fib(n + 2)", "fib(n - 2)")


def _comment(response: str, quote: str, text: str) -> CommentDraft:
    return CommentDraft(quote, text, "major", "bug", anchor_quote(response, quote))


def _fib_flaw() -> tuple[str, int]:
    start = FIB_ORIGINAL.index("fib(n - 2)")
    return FIB_ORIGINAL, start


def test_a_comment_that_praises_the_mutated_line_locates_but_does_not_catch() -> None:
    source, start = _fib_flaw()
    flaw = mutant_flaw(source, start, start + len("fib(n - 2)"), "fib(n + 2)", "arithmetic", "n - 2 became n + 2")
    line = "return fib(n - 1) + fib(n + 2)"
    praise = _comment(FIB, line, "Correctly calculates the sum of fib(n + 2) and the previous value.")
    verdict = judge(FIB, flaw, [praise], kind="code")
    assert verdict.located and not verdict.caught


def test_naming_the_mutated_expression_or_its_fix_catches() -> None:
    source, start = _fib_flaw()
    flaw = mutant_flaw(source, start, start + len("fib(n - 2)"), "fib(n + 2)", "arithmetic", "n - 2 became n + 2")
    line = "return fib(n - 1) + fib(n + 2)"
    for text in ("`fib(n+2)` recurses upwards and never ends.", "The second call should be fib(n - 2)."):
        assert judge(FIB, flaw, [_comment(FIB, line, text)], kind="code").caught, text
    restated = _comment(FIB, line, "Returns fib(n - 1) + fib(n + 2), the sum of two calls.")
    assert not judge(FIB, flaw, [restated], kind="code").caught  # quoting the line names no fault
    elsewhere = _comment(FIB, "if n < 2:", "fib(n + 2) is wrong.")
    assert not judge(FIB, flaw, [elsewhere], kind="code").located


def test_a_flipped_comparison_is_named_by_its_operator() -> None:
    source = "def f(xs, n):\n    return [x for x in xs if x < n]\n"
    start = source.index("x < n")
    flaw = mutant_flaw(source, start, start + 5, "x <= n", "comparison", "`x < n` became `x <= n`")
    mutated = source.replace("x < n", "x <= n")
    line = "return [x for x in xs if x <= n]"
    assert judge(mutated, flaw, [_comment(mutated, line, "Uses <= where the task needs <.")], kind="code").caught
    assert not judge(mutated, flaw, [_comment(mutated, line, "Filters the list.")], kind="code").caught


def test_a_summary_flaw_is_caught_only_by_the_fact_it_gets_wrong() -> None:
    response = "Priya trained for eight months. She ran anyway and finished in 3 hours 41 minutes."
    flaw = summary_flaw(
        response, "She ran anyway", "Priya did not run that race: she rested and volunteered at the water station."
    )
    assert flaw is not None and "volunteered" in flaw.names and "ran" not in flaw.names
    sentence = "She ran anyway and finished in 3 hours 41 minutes."
    good = _comment(response, sentence, "She did not run; she volunteered at the water station.")
    vague = _comment(response, sentence, "This sentence is unclear.")
    praise = _comment(response, sentence, "Correctly says she rested and volunteered.")
    assert judge(response, flaw, [vague, good], kind="summary").comment == good
    assert not judge(response, flaw, [vague], kind="summary").caught
    assert praises(praise.comment) and not judge(response, flaw, [praise], kind="summary").caught


def test_prompt_v3_shows_no_example_to_copy() -> None:
    item = ItemInput("code", "Add two numbers.", "def add(a, b):\n    return a * b\n")
    v2 = json.dumps(critique_messages(item, "v2"))
    v3 = json.dumps(critique_messages(item, "v3"))
    assert "return a - b" in v2 and "Subtracts instead of adding" in v2
    assert "return a - b" not in v3 and "Example" not in v3 and "<example>" not in v3


def test_line_quotes_are_the_responses_own_lines_or_sentences() -> None:
    code = ItemInput("code", "", "def f(x):\n\n    return x\n    return x\n")
    assert quote_units(code) == ["def f(x):", "return x"]
    prose = ItemInput("summary", "", "It rained. Then it snowed!\nThe end?")
    assert quote_units(prose) == ["It rained.", "Then it snowed!", "The end?"]
    schema = critique_schema("summary", quote_units(prose))
    quote = schema["properties"]["comments"]["items"]["properties"]["quote"]
    assert quote == {"type": "string", "enum": ["It rained.", "Then it snowed!", "The end?"]}
    assert critique_schema("summary")["properties"]["comments"]["items"]["properties"]["quote"] == {"type": "string"}
    huge = ItemInput("code", "", "\n".join(f"x{i} = {i}" for i in range(500)))
    assert quote_units(huge) == []  # too many to offer: free quotes


def test_an_execution_informed_prompt_carries_the_failing_test() -> None:
    item = ItemInput(
        "code",
        "Add two numbers.",
        "def add(a, b):\n    return a - b\n",
        language="python",
        tests="assert add(2, 3) == 5\n",
    )
    failure = failing_test_report(item)
    assert "assert add(2, 3) == 5" in failure and "AssertionError" in failure
    user = critique_messages(replace(item, failure=failure), "v3")[1]["content"]
    assert failure in user and "Find the line" in user
    passing = ItemInput("code", "", "def add(a, b):\n    return a + b\n", tests="assert add(2, 3) == 5\n")
    assert failing_test_report(passing) == ""
    assert "<failure>" not in critique_messages(passing, "v3")[1]["content"]
