"""Run untrusted Python (a response and its tests) in a separate, limited process.

With bubblewrap (Debian's `bubblewrap`) the process has no network, a read-only system and
a private /tmp. CPU time, address space, file size and wall-clock time are always limited.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)
Mode = Literal["auto", "bwrap", "rlimit"]
PROGRAM_NAME = "program.py"


class SandboxUnavailable(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Limits:
    cpu_s: int = 5
    memory_mb: int = 512
    wall_s: float = 10.0
    output_bytes: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class RunResult:
    passed: bool
    timed_out: bool
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    isolation: Literal["bwrap", "rlimit"]


def _prelude(limits: Limits) -> str:
    memory = limits.memory_mb * 1024 * 1024
    return (
        "import resource as _r\n"
        f"_r.setrlimit(_r.RLIMIT_CPU, ({limits.cpu_s}, {limits.cpu_s + 1}))\n"
        f"_r.setrlimit(_r.RLIMIT_AS, ({memory}, {memory}))\n"
        f"_r.setrlimit(_r.RLIMIT_FSIZE, ({limits.output_bytes}, {limits.output_bytes}))\n"
        "_r.setrlimit(_r.RLIMIT_CORE, (0, 0))\n"
        "del _r\n"
    )


@functools.cache
def bwrap_works() -> bool:
    """Whether bubblewrap is installed and can create namespaces here."""
    binary = shutil.which("bwrap")
    if binary is None:
        return False
    probe = subprocess.run(
        [binary, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "true"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if probe.returncode != 0:
        log.warning("bubblewrap is installed but cannot run here: %s", probe.stderr.decode(errors="replace"))
    return probe.returncode == 0


def _isolation(mode: Mode) -> Literal["bwrap", "rlimit"]:
    if mode == "rlimit":
        return "rlimit"
    if bwrap_works():
        return "bwrap"
    if mode == "bwrap":
        raise SandboxUnavailable("bubblewrap is required (REDLINE_SANDBOX=bwrap) but cannot run; install `bubblewrap`")
    log.warning("bubblewrap unavailable: running code with resource limits only, without network isolation")
    return "rlimit"


def _interpreter(python: str) -> tuple[str, list[str]]:
    """The real interpreter behind `python` (a virtualenv's is a link; isolated mode needs only the
    standard library), and the bind mounts that keep it visible when it lives under /tmp, which the
    sandbox covers with its own tmpfs (a checkout in `mktemp -d` has its virtualenv there)."""
    executable = os.path.realpath(python)
    prefix = os.path.realpath(sys.base_prefix) if python == sys.executable else str(Path(executable).parent.parent)
    binds: list[str] = []
    for path in sorted({prefix, str(Path(executable).parent)}):
        if path == "/tmp" or path.startswith("/tmp/"):  # noqa: S108 - the host's /tmp, hidden inside
            binds += ["--ro-bind", path, path]
    return executable, binds


def _command(isolation: str, workdir: Path, python_path: str = "") -> list[str]:
    executable, binds = _interpreter(python_path or sys.executable)
    python = [executable, "-I", "-B"]
    if isolation == "rlimit":
        return [*python, str(workdir / PROGRAM_NAME)]
    # Paths under /tmp below are inside the sandbox's own private tmpfs, not the host's /tmp.
    inside = "/tmp/job"  # noqa: S108
    # fmt: off
    return [
        "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",  # noqa: S108
        *binds, "--ro-bind", str(workdir), inside, "--chdir", inside, "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "PYTHONHASHSEED", "0",
        *python, f"{inside}/{PROGRAM_NAME}",
    ]
    # fmt: on


def run_python(source: str, *, limits: Limits = Limits(), mode: Mode = "auto", python: str = "") -> RunResult:
    """Run `source` as a script (with `python`, by default this process's interpreter); passed means
    exit status 0 within the limits."""
    isolation = _isolation(mode)
    with tempfile.TemporaryDirectory(prefix="redline-sandbox-") as tmp:
        workdir = Path(tmp)
        (workdir / PROGRAM_NAME).write_text(_prelude(limits) + source, encoding="utf-8")
        env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
        started = time.monotonic()
        process = subprocess.Popen(
            _command(isolation, workdir, python),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=tmp,
            env=env,
            start_new_session=True,
        )
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        duration = time.monotonic() - started
    returncode = process.returncode
    # Out of CPU time: SIGXCPU, seen directly or as bubblewrap's 128+signal exit status.
    timed_out = timed_out or returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU)
    return RunResult(
        passed=returncode == 0 and not timed_out,
        timed_out=timed_out,
        returncode=returncode,
        stdout=stdout[: limits.output_bytes].decode("utf-8", errors="replace"),
        stderr=stderr[: limits.output_bytes].decode("utf-8", errors="replace"),
        duration_s=duration,
        isolation=isolation,
    )


def prelude_line_count(limits: Limits = Limits()) -> int:
    """Lines the sandbox adds before the program, to map traceback lines back to the source."""
    return _prelude(limits).count("\n")
