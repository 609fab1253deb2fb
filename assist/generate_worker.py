"""The worker's half of a generate run: ask the model for each source's response, write the items."""

from __future__ import annotations

import asyncio

from django.db.models import F
from django.utils import timezone

from annotation.datasets.models import Dataset, Item, content_hash
from assist.critic_settings import CriticSettings
from assist.models import GenerationRun, RunStatus
from assist.pipeline import client_for, max_in_flight
from models_service.errors import CriticError
from models_service.generation import generate_messages, generated_response


def sources_of(dataset: Dataset) -> list[int]:
    """One item per distinct (kind, context, question): the source a generation answers."""
    seen: dict[tuple[str, str, str], int] = {}
    for pk, kind, context, question in dataset.items.order_by("pk").values_list("pk", "kind", "context", "question"):
        seen.setdefault((kind, context, question), pk)
    return list(seen.values())


async def _write_all(run: GenerationRun, sources: list[Item]) -> list[tuple[str, str]]:
    chosen = CriticSettings.parse(run.generator.sampling)
    semaphore = asyncio.Semaphore(max_in_flight(chosen))
    async with client_for(run.generator, chosen) as client:

        async def one(item: Item) -> tuple[str, str]:
            """(response, why it failed)."""
            messages = generate_messages(item.kind, item.context, item.question, item.language, run.prompt_version)
            try:
                async with semaphore:
                    reply = await client.chat(
                        messages, temperature=chosen.temperature, max_tokens=chosen.max_tokens, seed=chosen.seed
                    )
            except CriticError as exc:
                return "", exc.reason
            text = generated_response(reply.choices[0].text) if reply.choices else ""
            return text, "" if text else "the model wrote nothing"

        return list(await asyncio.gather(*(one(item) for item in sources)))


def execute_generation(run_id: int) -> str:
    # Claimed once (a second delivery finds it taken); a retry after a failure resumes where it stopped.
    claimed = GenerationRun.objects.filter(pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.FAILED)).update(
        status=RunStatus.RUNNING, error=""
    )
    if not claimed:
        return "taken or finished already"
    run = GenerationRun.objects.select_related("generator", "source", "target").get(pk=run_id)
    written = set(Item.objects.filter(dataset=run.target).values_list("external_id", flat=True))
    sources = [
        item
        for item in Item.objects.filter(pk__in=sources_of(run.source)).order_by("pk")
        if f"gen-{run.pk}-{item.pk}" not in written
    ]
    try:
        for start in range(0, len(sources), 200):
            chunk = sources[start : start + 200]
            texts = asyncio.run(_write_all(run, chunk))
            made = [
                Item(
                    dataset=run.target,
                    external_id=f"gen-{run.pk}-{item.pk}",
                    kind=item.kind,
                    context=item.context,
                    question=item.question,
                    response=text,
                    author=run.author,
                    language=item.language,
                    tests=item.tests,
                    content_hash=content_hash(item.kind, item.context, item.question, text, f"gen-{run.pk}-{item.pk}"),
                    metadata={
                        "generated": {
                            "run": run.pk,
                            "source_item": item.pk,
                            "prompt_version": run.prompt_version,
                            "sampling": run.sampling,
                        }
                    },
                )
                for item, (text, _) in zip(chunk, texts, strict=True)
                if text
            ]
            Item.objects.bulk_create(made)
            reasons = [why for _, why in texts if why]
            GenerationRun.objects.filter(pk=run_id).update(
                done=F("done") + len(made),
                failed=F("failed") + len(chunk) - len(made),
                error=reasons[0] if reasons else "",
            )
    except Exception as exc:
        GenerationRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=repr(exc)[:2000])
        raise
    GenerationRun.objects.filter(pk=run_id).update(status=RunStatus.DONE, finished_at=timezone.now())
    return "done"
