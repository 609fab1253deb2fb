from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_typed_helpers_read_good_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", " 42 ")
    monkeypatch.setenv("X_FLOAT", "0.25")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    monkeypatch.setenv("X_CHOICE", "bwrap")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 0) == 42
    assert env_float("X_FLOAT", 1.0) == 0.25
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_choice("X_CHOICE", "auto", ("auto", "bwrap")) == "bwrap"
    assert env_str("X_UNSET_STR", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("name", "value", "call", "message"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False), "X_BOOL='maybe' is not a boolean"),
        ("X_INT", "ten", lambda: env_int("X_INT", 1), "X_INT='ten' is not an integer"),
        ("X_INT", "-1", lambda: env_int("X_INT", 1, minimum=0), "X_INT=-1 is below the minimum of 0"),
        ("X_FLOAT", "fast", lambda: env_float("X_FLOAT", 1.0), "X_FLOAT='fast' is not a number"),
        (
            "X_CHOICE",
            "docker",
            lambda: env_choice("X_CHOICE", "auto", ("auto", "bwrap")),
            "must be one of: auto, bwrap",
        ),
    ],
)
def test_bad_values_fail_clearly(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, call: object, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        call()  # type: ignore[operator]


def test_a_required_variable_names_itself() -> None:
    with pytest.raises(ImproperlyConfigured, match="Set the environment variable X_REQUIRED"):
        env_str("X_REQUIRED")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "REDLINE_HTTPS", "REDLINE_STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_defaults_pass_the_deploy_checklist() -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="x7#kq2!mZp9@Lw4$Rt8^Nv3&Hy6*Bc1(Df5)Gj0-Ks2_Qe7+Ua4"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_manage("check")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_a_bad_setting_stops_start_up_with_its_name() -> None:
    result = run_manage("check", DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr
