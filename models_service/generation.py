"""Generations with known authors: a model writes its own response to an item's source.

Prompts are versioned ("g1"); the reply is the response, between response tags when the model
adds a preamble.
"""

from __future__ import annotations

from models_service.refine import refined_response

GENERATION_VERSIONS = ("g1",)


def generate_messages(
    kind: str, context: str, question: str, language: str = "", version: str = "g1"
) -> list[dict[str, str]]:
    if version not in GENERATION_VERSIONS:
        raise ValueError(f"unknown generation prompt {version!r}; known: {', '.join(GENERATION_VERSIONS)}")
    if kind == "code":
        system = "You write correct, clear code. Reply with the code only, between <response> and </response>."
        user = f"Problem statement:\n{context}\n\nWrite the solution in {language or 'python'}."
    else:
        system = (
            "You write faithful, concise summaries. Reply with the answer only, between <response> and </response>."
        )
        asked = f"\n\nQuestion: {question}" if question else "\n\nSummarise the passage."
        user = f"Passage:\n{context}{asked}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def generated_response(reply: str) -> str:
    return refined_response(reply)
