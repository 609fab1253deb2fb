"""What the stand-in critic 'says': critiques built from the item's own text.

Quotes come from the response (sometimes altered, so some are ungrounded), so anchoring,
grounding rates and selection have something real to work on.
"""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any

RESPONSE = re.compile(r"<response>\n(.*?)\n</response>", re.DOTALL)
SEVERITIES = ("critical", "major", "minor")
COMPLAINTS = (
    "This is not supported by the passage.",
    "This looks wrong for the boundary case.",
    "This detail is inaccurate.",
    "The logic here does not match the task.",
    "This part is unclear.",
)


def extract_response(prompt: str) -> str:
    match = RESPONSE.search(prompt)
    return match.group(1) if match else ""


def is_code(prompt: str) -> bool:
    return "Code under review" in prompt


def _pieces(response: str, code: bool) -> list[str]:
    if code:
        return [line.strip() for line in response.splitlines() if len(line.strip()) > 6]
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", response) if len(part.strip()) > 6]


def _fabricate(rng: random.Random, code: bool) -> str:
    if code:
        return rng.choice(("return sorted(result)[::-1]", "if len(values) == 0: raise ValueError", "total += 1"))
    return rng.choice(("The author later moved to Paris.", "This happened in 1850.", "Everyone agreed immediately."))


def quote_choices(response_format: dict[str, Any]) -> list[str] | None:
    """The quotes a JSON schema allows (grounded-by-construction critiques), as structured output enforces."""
    schema = (response_format.get("json_schema") or {}).get("schema") or response_format.get("schema") or {}
    try:
        choices = schema["properties"]["comments"]["items"]["properties"]["quote"].get("enum")
    except (KeyError, TypeError, AttributeError):
        return None
    return [str(choice) for choice in choices] if isinstance(choices, list) and choices else None


def comments_for(
    prompt: str, rng: random.Random, ungrounded_rate: float, quotes: list[str] | None = None
) -> list[dict[str, str]]:
    response = extract_response(prompt)
    code = is_code(prompt)
    pieces = _pieces(response, code)
    categories = ("bug", "style", "performance") if code else ("accuracy", "coverage", "coherence")
    comments = []
    for _ in range(rng.randint(1, 3)):
        if quotes:
            quote = rng.choice(quotes)
        elif pieces and rng.random() >= ungrounded_rate:
            piece = rng.choice(pieces)
            words = piece.split()
            if not code and len(words) > 6:
                start = rng.randint(0, len(words) - 4)
                piece = " ".join(words[start : start + rng.randint(3, 6)])
            quote = piece
        else:
            quote = _fabricate(rng, code)
        comments.append(
            {
                "quote": quote,
                "comment": rng.choice(COMPLAINTS),
                "severity": rng.choice(SEVERITIES),
                "category": rng.choice(categories),
            }
        )
    return comments


def json_critique(prompt: str, rng: random.Random, ungrounded_rate: float, quotes: list[str] | None = None) -> str:
    return json.dumps({"comments": comments_for(prompt, rng, ungrounded_rate, quotes)})


def text_continuation(prompt: str, rng: random.Random, ungrounded_rate: float) -> str:
    """A completions-endpoint continuation after a forced 'QUOTE: '."""
    paragraphs = []
    for index, comment in enumerate(comments_for(prompt, rng, ungrounded_rate)):
        head = comment["quote"] if index == 0 else f"QUOTE: {comment['quote']}"
        paragraphs.append(
            f"{head}\nCOMMENT: {comment['comment']} (severity: {comment['severity']}; category: {comment['category']})"
        )
    if rng.random() < 0.3:
        paragraphs.append("Overall the response needs another look.")
    return "\n\n".join(paragraphs)


TOKEN = re.compile(r"\s*\S+")


def tokens_with_logprobs(text: str, rng: random.Random, top: int) -> list[dict[str, Any]]:
    tokens = TOKEN.findall(text) or [text]
    entries = []
    for token in tokens:
        logprob = -rng.random() * 1.5
        alternatives = [{"token": token, "logprob": logprob, "bytes": list(token.encode())}]
        for extra in range(max(0, top - 1)):
            alt = f" alt{extra}"
            alternatives.append({"token": alt, "logprob": logprob - 1 - extra, "bytes": list(alt.encode())})
        entries.append(
            {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": alternatives[:top]}
        )
    return entries


def yes_no(prompt: str, rng: random.Random, top: int) -> tuple[str, list[dict[str, Any]]]:
    """A discriminator answer whose P(Yes) depends on the response (code with 'mutant' cues, etc.)."""
    p_yes = min(0.95, max(0.05, rng.betavariate(2, 2)))
    answer = "Yes" if p_yes >= 0.5 else "No"
    alternatives = [
        {"token": "Yes", "logprob": math.log(p_yes), "bytes": list(b"Yes")},
        {"token": "No", "logprob": math.log(1 - p_yes), "bytes": list(b"No")},
    ]
    entry = {
        "token": answer,
        "logprob": math.log(p_yes if answer == "Yes" else 1 - p_yes),
        "bytes": list(answer.encode()),
        "top_logprobs": alternatives[: max(1, top)],
    }
    return answer, [entry]


def refinement(prompt: str, rng: random.Random) -> str:
    """A rewrite, as a model asked to fix a response would give it: a sentence of preamble, then the
    response between the tags with one piece rewritten."""
    response = extract_response(prompt)
    pieces = _pieces(response, is_code(prompt))
    if pieces:
        piece = rng.choice(pieces)
        response = response.replace(piece, f"{piece} (revised)", 1)
    return f"Here is the improved version.\n<response>\n{response}\n</response>"


PAIR = re.compile(r"Summary1:\n(.*?)\n\nSummary2:\n(.*?)\n\n", re.DOTALL)
ONE = re.compile(r"Summary:\n(.*?)\n\n", re.DOTALL)


def _answer(options: dict[str, float], top: int) -> tuple[str, list[dict[str, Any]]]:
    ranked = sorted(options.items(), key=lambda pair: -pair[1])
    token, p = ranked[0]
    alternatives = [
        {"token": t, "logprob": math.log(max(q, 1e-9)), "bytes": list(t.encode())} for t, q in ranked[: max(1, top)]
    ]
    return token, [
        {"token": token, "logprob": math.log(p), "bytes": list(token.encode()), "top_logprobs": alternatives}
    ]


def evaluator_answer(prompt: str, rng: random.Random, config: Any, top: int) -> tuple[str, list[dict[str, Any]]] | None:
    """Evaluator mode: answers to the audit prompts with a planted self-preference, self-recognition
    and position bias ("its own" texts are those holding config.self_marker), as first-token logprobs."""
    noise = rng.uniform(-0.05, 0.05)
    if 'Please answer with only "1" or "2"' in prompt and (pair := PAIR.search(prompt)):
        own = [config.self_marker in text for text in pair.groups()]
        planted = config.self_recognition if "which summary you wrote" in prompt else config.self_preference
        if "which summary is worse" in prompt:
            planted = 1 - config.self_preference
        p_first = 0.5 if own[0] == own[1] else (planted if own[0] else 1 - planted)
        p_first = min(0.98, max(0.02, p_first + config.position_bias + noise))
        return _answer({"1": p_first, "2": 1 - p_first}, top)
    if "whether you wrote this summary" in prompt and (one := ONE.search(prompt)):
        mine = config.self_marker in one.group(1)
        p_yes = min(0.98, max(0.02, (config.self_recognition if mine else 1 - config.self_recognition) + noise))
        return _answer({"Yes": p_yes, "No": 1 - p_yes}, top)
    if "Rate this summary on a scale of 1 to 5" in prompt and (one := ONE.search(prompt)):
        centre = 3 + (2 * config.self_preference - 1) * (1 if config.self_marker in one.group(1) else -1)
        weights = {str(k): math.exp(-((k - centre) ** 2)) for k in range(1, 6)}
        total = sum(weights.values())
        return _answer({k: w / total for k, w in weights.items()}, top)
    return None


def generation(prompt: str, marker: str) -> str:
    """A response of its own: the passage's first sentence after the stand-in's own turn of phrase
    (the mark its evaluator mode recognises)."""
    passage = prompt.split("Passage:\n", 1)[-1].split("Problem statement:\n", 1)[-1]
    first = re.split(r"(?<=[.!?])\s", passage.strip(), maxsplit=1)[0]
    return f"Sure.\n<response>\n{marker} {first}\n</response>"
