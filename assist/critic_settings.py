"""A critic's settings (`CriticConfig.sampling`): one typed shape, parsed once, used by the form,
the serializer, the worker and the README's table alike. Defaults live here and nowhere else.

A key left out of `sampling` takes its default, so a stored critic changes only where someone
changed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from models_service.prompts import QUOTE_MODES
from models_service.reward import REWARD_TASKS

AUTO = "auto"
STRUCTURED_OUTPUTS = (AUTO, "json_schema", "json_object", "none")


class CriticSettingsError(ValueError):
    def __init__(self, key: str, value: object, message: str) -> None:
        super().__init__(f"sampling.{key} = {value!r}: {message}")
        self.key = key
        self.value = value


@dataclass(frozen=True, slots=True)
class Key:
    kind: type
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()


# The order is the README's.
KEYS: dict[str, Key] = {
    "n": Key(int, "Samples per item for best_of_n and fsbs (blank: 1 for single, 4 otherwise).", 1, 64),
    "temperature": Key(float, "Sampling temperature.", 0, 2),
    "max_tokens": Key(int, "Longest critique, in tokens.", 16, 16384),
    "seed": Key(int, "Fix it for reproducible samples (blank: a new seed each time)."),
    "critiqueability": Key(bool, "Also ask P(Yes) of “does it have a flaw?” from the first token's logprobs."),
    "quote_mode": Key(
        str,
        "lines: structured output may only quote whole lines of the code or sentences of the text, so every "
        "comment is grounded; free: any words (sub-line quotes, which may not be found).",
        choices=QUOTE_MODES,
    ),
    "execution_hint": Key(
        bool, "Code with tests: run them first and show the model the failing test to locate and explain."
    ),
    "max_in_flight": Key(int, "Requests the worker keeps open at once (blank: REDLINE_CRITIC_MAX_IN_FLIGHT).", 1, 1024),
    "timeout_s": Key(float, "Seconds one request may take (blank: REDLINE_CRITIC_TIMEOUT_S).", 0.1, 3600),
    "structured_output": Key(
        str, "How the server is asked for JSON; auto asks the server.", choices=STRUCTURED_OUTPUTS
    ),
    "supports_n": Key(object, "Whether the server honours n (true/false); auto asks the server."),
    "fsbs_n": Key(int, "FSBS: continuations sampled per beam and round.", 1, 64),
    "fsbs_k": Key(int, "FSBS: beams kept after each round.", 1, 64),
    "fsbs_depth": Key(int, "FSBS: rounds of forcing a highlight.", 1, 32),
    "fsbs_max_tokens": Key(int, "FSBS: tokens per continuation.", 16, 16384),
    "reward_model": Key(str, "A reward model served by the pooling API, scoring each sample (blank: none)."),
    "reward_base_url": Key(str, "Where the reward model is served (blank: the critic's base URL)."),
    "reward_task": Key(
        str,
        "The pooling task the reward model is asked for: classify (sequence reward models) or token_classify "
        "(token and process reward models; the last token's score is used).",
        choices=REWARD_TASKS,
    ),
}


def _number(key: str, spec: Key, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CriticSettingsError(key, value, f"must be {'an integer' if spec.kind is int else 'a number'}")
    if spec.kind is int and not (isinstance(value, int) or float(value).is_integer()):
        raise CriticSettingsError(key, value, "must be an integer")
    number: int | float = int(value) if spec.kind is int else float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise CriticSettingsError(key, value, "must be a finite number")
    if spec.low is not None and number < spec.low:
        raise CriticSettingsError(key, value, f"must be at least {spec.low:g}")
    if spec.high is not None and number > spec.high:
        raise CriticSettingsError(key, value, f"must be at most {spec.high:g}")
    return number


def _parse_value(key: str, value: object) -> Any:
    spec = KEYS[key]
    if value is None:
        return getattr(DEFAULTS, key)
    if spec.kind in (int, float):
        if key == "seed" and isinstance(value, int) and not isinstance(value, bool) and not 0 <= value < 2**63:
            raise CriticSettingsError(key, value, "must be between 0 and 2^63 - 1")
        return _number(key, spec, value)
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise CriticSettingsError(key, value, "must be true or false")
        return value
    if key == "supports_n":
        if value != AUTO and not isinstance(value, bool):
            raise CriticSettingsError(key, value, 'must be true, false or "auto"')
        return value
    if not isinstance(value, str):
        raise CriticSettingsError(key, value, "must be a string")
    if spec.choices and value not in spec.choices:
        raise CriticSettingsError(key, value, f"must be one of {', '.join(spec.choices)}")
    return value


@dataclass(frozen=True, slots=True)
class CriticSettings:
    n: int | None = None
    temperature: float = 0.7
    max_tokens: int = 1024
    seed: int | None = None
    critiqueability: bool = True
    quote_mode: str = "free"
    execution_hint: bool = False
    max_in_flight: int | None = None
    timeout_s: float | None = None
    structured_output: str = AUTO
    supports_n: bool | str = AUTO
    fsbs_n: int = 4
    fsbs_k: int = 2
    fsbs_depth: int = 4
    fsbs_max_tokens: int = 256
    reward_model: str = ""
    reward_base_url: str = ""
    reward_task: str = "classify"

    @classmethod
    def parse(cls, raw: object) -> CriticSettings:
        """Settings from a stored or submitted `sampling` object; CriticSettingsError names the bad key."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise CriticSettingsError("", raw, "sampling must be a JSON object")
        unknown = sorted(str(key) for key in raw if key not in KEYS)
        if unknown:
            raise CriticSettingsError(unknown[0], raw[unknown[0]], f"unknown key; known keys: {', '.join(KEYS)}")
        return cls(**{key: _parse_value(key, value) for key, value in raw.items()})

    def samples(self, strategy: str) -> int:
        if self.n is not None:
            return self.n
        return 1 if strategy == "single" else 4


def clean_sampling(raw: object) -> dict[str, Any]:
    """The stored form of a submitted `sampling`: validated, values normalised, nulls dropped."""
    CriticSettings.parse(raw)
    assert isinstance(raw, Mapping) or raw is None
    return {key: _parse_value(key, value) for key, value in (raw or {}).items() if value is not None}


DEFAULTS = CriticSettings()
assert [f.name for f in fields(CriticSettings)] == list(KEYS), "KEYS and CriticSettings list the same keys"


def settings_table() -> str:
    """The README's table of keys (a test keeps the README in step with it)."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, spec in KEYS.items():
        default = getattr(DEFAULTS, key)
        shown = "blank" if default is None else f"`{default!r}`".replace("'", '"')
        if isinstance(default, bool):
            shown = f"`{str(default).lower()}`"
        rows.append(f"| `{key}` | {shown} | {spec.help} |")
    return "\n".join(rows)
