"""The `vllm serve` command line Redline expects from its critic server."""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServeOptions:
    model: str
    served_model_name: str = "critic"
    host: str = "0.0.0.0"  # noqa: S104 - the server runs in its own container
    port: int = 8000
    max_num_seqs: int | None = None  # vLLM's own default fits the GPU (1024 on an H100)
    gpu_memory_utilization: float = 0.90
    max_model_len: int | None = 8192
    tensor_parallel_size: int = 1
    max_logprobs: int = 20


def vllm_command(options: ServeOptions) -> list[str]:
    command = [
        "vllm",
        "serve",
        options.model,
        "--served-model-name",
        options.served_model_name,
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--gpu-memory-utilization",
        str(options.gpu_memory_utilization),
        "--tensor-parallel-size",
        str(options.tensor_parallel_size),
        # response_format with a JSON schema needs no flag: vLLM's structured-output decoding is on by default.
        # Critiqueability reads top_logprobs of the first token.
        "--max-logprobs",
        str(options.max_logprobs),
        "--generation-config",
        "vllm",
    ]
    if options.max_num_seqs:
        # Continuous batching caps at this many sequences; left out, vLLM sizes it for the GPU.
        command += ["--max-num-seqs", str(options.max_num_seqs)]
    if options.max_model_len:
        command += ["--max-model-len", str(options.max_model_len)]
    return command


def shell_line(command: list[str]) -> str:
    return shlex.join(command)
