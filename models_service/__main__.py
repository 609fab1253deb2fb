"""python -m models_service serve --model NAME: print and run the vLLM critic server command."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from models_service.serving import ServeOptions, shell_line, vllm_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models_service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the critic with vLLM's OpenAI-compatible server (needs a GPU)")
    serve.add_argument("--model", required=True, help="Hugging Face model id or local path")
    serve.add_argument("--served-model-name", default="critic")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--max-num-seqs", type=int, default=None, help="sequences batched at once (default: vLLM's, sized for the GPU)"
    )
    serve.add_argument("--gpu-memory-utilization", type=float, default=0.90)
    serve.add_argument("--max-model-len", type=int, default=8192)
    serve.add_argument("--tensor-parallel-size", type=int, default=1)
    serve.add_argument("--dry-run", action="store_true", help="only print the command")
    cpu = commands.add_parser("serve-cpu", help="run SmolLM2-135M on the CPU with llama.cpp (weak; no GPU needed)")
    cpu.add_argument("--port", type=int, default=8090)
    cpu.add_argument("--host", default="127.0.0.1", help="0.0.0.0 only inside a container")
    cpu.add_argument("--n-ctx", type=int, default=4096)
    args = parser.parse_args(argv)

    if args.command == "serve-cpu":
        from models_service.cpu_server import CpuCriticUnavailable, supervise

        try:
            return supervise(args.port, n_ctx=args.n_ctx, host=args.host)
        except CpuCriticUnavailable as exc:
            print(f"Cannot start the CPU critic: {exc}", file=sys.stderr)
            return 2

    options = ServeOptions(
        model=args.model,
        served_model_name=args.served_model_name,
        host=args.host,
        port=args.port,
        max_num_seqs=args.max_num_seqs,
        gpu_memory_utilization=args.gpu_memory_utilization,
        max_model_len=args.max_model_len,
        tensor_parallel_size=args.tensor_parallel_size,
    )
    command = vllm_command(options)
    print(shell_line(command), flush=True)
    if args.dry_run:
        return 0
    if shutil.which("vllm") is None:
        print(
            "vllm is not installed here. On a GPU machine: pip install vllm, or use the docker-compose "
            "`critic` service (vllm/vllm-openai image).",
            file=sys.stderr,
        )
        return 2
    os.execvp(command[0], command)  # noqa: S606 - replaces this process with the server


if __name__ == "__main__":
    sys.exit(main())
