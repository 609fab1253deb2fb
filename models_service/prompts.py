"""Versioned critic prompts and the structured-output schema every critique must match.

Each comment quotes the part of the response it criticises, verbatim, so it can be
anchored; a quote that is not there is the hallucination signal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PROMPT_VERSIONS = ("v1", "v2", "v3")
QUOTE_MODES = ("free", "lines")
# Bounds (quote mode "lines") that keep a rambling small model from running past max_tokens and losing
# the whole critique: as many comments as max_tokens has room for (SmolLM2 cut off 8 of 61 at 300 tokens).
MAX_COMMENTS, MAX_COMMENT_CHARS, TOKENS_PER_COMMENT = 8, 400, 160
MAX_QUOTE_CHOICES = 400  # past this many lines the grammar grows large; such responses get free quotes
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
SEVERITIES = ("critical", "major", "minor")
CATEGORIES = {
    "summary": ("accuracy", "coverage", "coherence", "other"),
    "code": ("bug", "security", "performance", "style", "other"),
}
HIGHLIGHT = "QUOTE:"
COMMENT = "COMMENT:"
RESPONSE_OPEN, RESPONSE_CLOSE = "<response>", "</response>"


@dataclass(frozen=True, slots=True)
class ItemInput:
    """What the critic sees of an item (never its planted flaws)."""

    kind: str
    context: str
    response: str
    question: str = ""
    language: str = ""
    tests: str = ""
    failure: str = ""  # what running the tests printed, for execution-informed critiques


def check_version(version: str) -> str:
    if version not in PROMPT_VERSIONS:
        raise ValueError(f"unknown prompt version {version!r}; known: {', '.join(PROMPT_VERSIONS)}")
    return version


def quote_units(item: ItemInput) -> list[str]:
    """The response's own lines (code) or sentences (prose): the quotes a grounded-by-construction
    critique may choose from. Empty when there are too many to offer."""
    pieces = item.response.splitlines() if item.kind == "code" else _SENTENCE_END.split(item.response)
    units = list(dict.fromkeys(piece.strip() for piece in pieces if piece.strip()))
    return units if len(units) <= MAX_QUOTE_CHOICES else []


def max_comments(max_tokens: int) -> int:
    return max(1, min(MAX_COMMENTS, max_tokens // TOKENS_PER_COMMENT))


def critique_schema(kind: str, quotes: list[str] | None = None, most: int | None = None) -> dict[str, Any]:
    """With `quotes`, structured output can only copy one of them: every comment is grounded. With
    `most`, at most that many comments of at most MAX_COMMENT_CHARS each (the small-model bounds)."""
    quote: dict[str, Any] = {"type": "string", "enum": quotes} if quotes else {"type": "string"}
    comment: dict[str, Any] = {"type": "string"}
    comments: dict[str, Any] = {"type": "array"}
    if most is not None:
        comment["maxLength"], comments["maxItems"] = MAX_COMMENT_CHARS, most
    return {
        "type": "object",
        "properties": {
            "comments": {
                **comments,
                "items": {
                    "type": "object",
                    "properties": {
                        "quote": quote,
                        "comment": comment,
                        "severity": {"type": "string", "enum": list(SEVERITIES)},
                        "category": {"type": "string", "enum": list(CATEGORIES[kind])},
                    },
                    "required": ["quote", "comment", "severity", "category"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["comments"],
        "additionalProperties": False,
    }


_SYSTEM = {
    "summary": (
        "You are a careful critic of answers to questions about a passage. Find the answer's flaws: "
        "inaccuracies (accuracy), important omissions (coverage), and unclear or incoherent writing (coherence). "
        "For each flaw, copy the exact words of the answer it concerns into `quote`, explain the problem in "
        "`comment`, and rate its severity (critical, major or minor). Report only real flaws; if there are none, "
        "return an empty list."
    ),
    "code": (
        "You are a careful code reviewer. Find the code's bugs, security problems, performance problems and "
        "serious style problems. For each, copy the exact line or expression of the code it concerns into "
        "`quote`, explain the problem in `comment`, and rate its severity (critical, major or minor). Report only "
        "real problems; if there are none, return an empty list."
    ),
}


def task_text(item: ItemInput) -> str:
    if item.kind == "code":
        return (
            f"Problem statement:\n{item.context}\n\nCode under review ({item.language or 'python'}):\n"
            f"{RESPONSE_OPEN}\n{item.response}\n{RESPONSE_CLOSE}"
        )
    return (
        f"Passage:\n{item.context}\n\nQuestion: {item.question}\n\nAnswer under review:\n"
        f"{RESPONSE_OPEN}\n{item.response}\n{RESPONSE_CLOSE}"
    )


# v2 adds one worked example: small models (SmolLM2-135M) then copy words from the response into
# "quote" instead of paraphrasing it, so some comments can be anchored at all.
_EXAMPLES = {
    "summary": (
        "Tom has two cats. He feeds them fish every day.",
        {
            "quote": "He feeds them fish every day.",
            "comment": "The passage says he feeds them once a week.",
            "severity": "major",
            "category": "accuracy",
        },
    ),
    "code": (
        "def add(a, b):\n    return a - b\n",
        {"quote": "return a - b", "comment": "Subtracts instead of adding.", "severity": "critical", "category": "bug"},
    ),
}


# v3 has no example to copy (SmolLM2 answered 9 of 12 code items with v2's `return a - b`) and says
# what a comment must contain instead of showing one.
_SYSTEM_V3 = {
    "summary": (
        "You check an answer against the passage it summarises. Read the passage, then each sentence of the "
        "answer. For every sentence that contradicts the passage, adds something the passage does not say, or "
        "leaves out something the question needs, write one comment: `quote` is that sentence of the answer, "
        "`comment` states what the passage actually says and how the sentence differs from it, `severity` is "
        "critical, major or minor. Never comment on a sentence that agrees with the passage. If every sentence "
        "agrees with the passage, reply with an empty list of comments."
    ),
    "code": (
        "You review code for bugs. Read the problem statement, then the code line by line, and find the lines "
        "that make it return a wrong result or fail: a wrong operator or comparison, a bound or index off by "
        "one, arguments in the wrong order, a missing condition, a wrong constant or return value. For every "
        "such line write one comment: `quote` is the line, `comment` names the exact wrong expression on it "
        "and says what it should be, `severity` is critical, major or minor. Never comment on a line that is "
        "correct or describe what a line does. If no line is wrong, reply with an empty list of comments."
    ),
}


def _system(kind: str, version: str) -> str:
    if version == "v1":
        return _SYSTEM[kind]
    if version == "v3":
        return _SYSTEM_V3[kind]
    response, comment = _EXAMPLES[kind]
    example = json.dumps({"comments": [comment]})
    return (
        f"{_SYSTEM[kind]} Each quote must copy the exact words of the response.\n\n"
        f"Example response:\n<example>\n{response}\n</example>\nExample critique:\n{example}"
    )


def critique_messages(item: ItemInput, version: str = "v1") -> list[dict[str, str]]:
    check_version(version)
    user = task_text(item)
    if item.failure:
        user += (
            f"\n\nThe code was run against its tests and failed:\n<failure>\n{item.failure}\n</failure>\n"
            "Find the line of the code that causes this failure and explain what is wrong on it."
        )
    user += '\n\nReply with JSON: {"comments": [{"quote", "comment", "severity", "category"}]}.'
    return [{"role": "system", "content": _system(item.kind, version)}, {"role": "user", "content": user}]


def discriminator_messages(item: ItemInput, version: str = "v1") -> list[dict[str, str]]:
    """A Yes/No question whose answer's log-probability is the critiqueability score."""
    check_version(version)
    thing = "code" if item.kind == "code" else "answer"
    return [
        {"role": "system", "content": f"You judge whether an {thing} has any flaw. Reply with one word: Yes or No."},
        {"role": "user", "content": task_text(item) + f"\n\nDoes this {thing} have a flaw? Answer Yes or No."},
    ]


def text_critique_prompt(item: ItemInput, version: str = "v1") -> str:
    """A plain prompt for the completions endpoint, where FSBS forces each highlight."""
    check_version(version)
    categories = ", ".join(CATEGORIES[item.kind])
    return (
        f"{_SYSTEM[item.kind]}\n\n{task_text(item)}\n\n"
        f"Write each problem as a paragraph: a line `{HIGHLIGHT} <exact words from the response>`, then a line "
        f"`{COMMENT} <the problem> (severity: critical|major|minor; category: {categories})`.\n\nCritique:\n"
    )
