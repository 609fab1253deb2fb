"""Critique-conditioned refinement (self-critiquing paper): rewrite a response to fix what a critique says.

Prompts are versioned like the critic's; the reply is the whole new response, between the same
tags the critic reads it in, so a chatty model's preamble is dropped.
"""

from __future__ import annotations

from models_service.prompts import RESPONSE_CLOSE, RESPONSE_OPEN, ItemInput, task_text

REFINE_VERSIONS = ("r1",)


def refine_messages(item: ItemInput, critique: str, version: str = "r1") -> list[dict[str, str]]:
    if version not in REFINE_VERSIONS:
        raise ValueError(f"unknown refinement prompt {version!r}; known: {', '.join(REFINE_VERSIONS)}")
    thing = "code" if item.kind == "code" else "answer"
    system = (
        f"You improve an {thing} using a critique of it. Fix every valid problem the critique points out and "
        f"change nothing else. Reply with the complete improved {thing} between {RESPONSE_OPEN} and "
        f"{RESPONSE_CLOSE}, and nothing else."
    )
    user = f"{task_text(item)}\n\nCritique:\n{critique.strip() or '(no problems found)'}\n\nThe improved {thing}:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def refined_response(reply: str) -> str:
    """The new response in a model's reply: what lies between the response tags (or in a code block),
    else the whole reply. Empty when the model wrote nothing."""
    text = reply.strip()
    if RESPONSE_OPEN in text:
        text = text.split(RESPONSE_OPEN, 1)[1].split(RESPONSE_CLOSE, 1)[0]
    elif text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip("\n")
