"""The demo's two critics and their first runs (see annotation.demo.seed, which picks the items)."""

from __future__ import annotations

from annotation.datasets.models import Item
from annotation.users import User
from assist.models import Backend, CriticConfig, CritiqueRun
from assist.runs import do_create_run

EXECUTION_CRITIC = "execution (runs the tests)"
CPU_CRITIC = "smollm2-135m (CPU, llama.cpp)"


def start_demo_runs(owner: User, cpu_critic_url: str, code_item_ids: list[int], few_item_ids: list[int]) -> list[int]:
    """Create the demo critics and queue, once each, the execution critic over the code items with
    tests and the CPU model critic over a few items. Returns the ids of the runs queued."""
    execution, _ = CriticConfig.objects.get_or_create(
        name=EXECUTION_CRITIC,
        defaults={
            "backend": Backend.EXECUTION,
            "created_by": owner,
            "description": "Runs each code item's tests in the sandbox; failures become comments.",
        },
    )
    cpu, _ = CriticConfig.objects.get_or_create(
        name=CPU_CRITIC,
        defaults={
            "backend": Backend.OPENAI,
            "base_url": cpu_critic_url,
            "model": "smollm2-135m-instruct",
            "prompt_version": "v3",
            "strategy": "single",
            "created_by": owner,
            "sampling": {
                "max_tokens": 250,
                "temperature": 0.7,
                "seed": 1,
                "max_in_flight": 2,
                "timeout_s": 120,
                "quote_mode": "lines",
            },
            "description": "SmolLM2-135M-Instruct on the CPU: a tiny model with weak critiques, so that the "
            "demo has real model-written critiques without a GPU. Production uses vLLM.",
        },
    )
    queued = []
    if not CritiqueRun.objects.filter(critic=execution).exists():
        queued.append(do_create_run(execution, Item.objects.filter(pk__in=code_item_ids), owner).pk)
    if not CritiqueRun.objects.filter(critic=cpu).exists():
        queued.append(do_create_run(cpu, Item.objects.filter(pk__in=few_item_ids), owner).pk)
    return queued
