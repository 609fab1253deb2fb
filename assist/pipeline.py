"""Execute a critique run inside a Celery worker: many requests in flight, results to the writer."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, cast

from django.conf import settings
from django.utils import timezone

from assist.critic_settings import AUTO, CriticSettings
from assist.models import Backend, CriticConfig, CritiqueRun, CritiqueRunItem, RunItemStatus, RunStatus, Strategy
from assist.progress import claim_run, refresh_counters
from assist.signals import run_finished
from assist.writer import Outcome, ResultWriter
from models_service.client import CriticClient, ServerDialect
from models_service.dialect import detect_dialect
from models_service.errors import CriticError
from models_service.execution import execution_critique, failing_test_report
from models_service.generate import GenerationSettings, critique_item, with_retries
from models_service.prompts import ItemInput
from models_service.reward import reward_score
from models_service.sandbox import Limits, Mode
from models_service.selection import FsbsSettings, Rewarder

log = logging.getLogger(__name__)
CANCEL_POLL_S = 0.2
MAX_CONNECTIONS = 1024
ITEM_FIELDS = (
    "item_id",
    "item__kind",
    "item__context",
    "item__question",
    "item__response",
    "item__language",
    "item__tests",
)


def generation_settings(critic: CriticConfig, chosen: CriticSettings) -> GenerationSettings:
    return GenerationSettings(
        strategy=critic.strategy,
        n=chosen.samples(critic.strategy),
        temperature=chosen.temperature,
        max_tokens=chosen.max_tokens,
        seed=chosen.seed,
        length_modifier=critic.length_modifier,
        prompt_version=critic.prompt_version or "v1",
        quote_mode=chosen.quote_mode,
        with_critiqueability=chosen.critiqueability,
        fsbs=FsbsSettings(n=chosen.fsbs_n, k=chosen.fsbs_k, depth=chosen.fsbs_depth, max_tokens=chosen.fsbs_max_tokens),
    )


def configured_dialect(chosen: CriticSettings) -> ServerDialect | None:
    """The dialect the critic's settings pin down, or None to ask the server ("auto", the default)."""
    if chosen.structured_output == AUTO or chosen.supports_n == AUTO:
        return None
    return ServerDialect(json_schema=chosen.structured_output, supports_n=bool(chosen.supports_n))


def max_in_flight(chosen: CriticSettings) -> int:
    return chosen.max_in_flight or settings.REDLINE_CRITIC_MAX_IN_FLIGHT


def in_flight_limit(chosen: CriticSettings, parallel: int | None) -> int:
    """The server's own limit where it says (a set max_in_flight may only lower it), else the setting."""
    if parallel:
        return min(chosen.max_in_flight or parallel, parallel)
    return max_in_flight(chosen)


def client_for(critic: CriticConfig, chosen: CriticSettings) -> CriticClient:
    return CriticClient(
        critic.base_url or settings.REDLINE_CRITIC_BASE_URL,
        critic.model or settings.REDLINE_CRITIC_MODEL,
        api_key=settings.REDLINE_CRITIC_API_KEY,
        timeout_s=chosen.timeout_s or settings.REDLINE_CRITIC_TIMEOUT_S,
        max_connections=MAX_CONNECTIONS,  # the semaphore limits requests; the pool must not
        dialect=configured_dialect(chosen),
    )


def _input(row: dict[str, Any]) -> ItemInput:
    return ItemInput(
        kind=row["item__kind"],
        context=row["item__context"],
        response=row["item__response"],
        question=row["item__question"],
        language=row["item__language"],
        tests=row["item__tests"],
    )


async def _drive_openai(
    critic: CriticConfig, rows: list[dict[str, Any]], writer: ResultWriter, samples: int | None = None
) -> None:
    chosen = CriticSettings.parse(critic.sampling)
    settings_ = generation_settings(critic, chosen)
    if samples:
        settings_ = replace(settings_, strategy=Strategy.BEST_OF_N, n=samples)
    semaphore = asyncio.Semaphore(max_in_flight(chosen))
    attempts = settings.REDLINE_RUN_ATTEMPTS
    rewarder: Rewarder | None = None
    reward_client: CriticClient | None = None
    if chosen.reward_model:
        reward_client = CriticClient(
            chosen.reward_base_url or critic.base_url or settings.REDLINE_CRITIC_BASE_URL,
            chosen.reward_model,
            api_key=settings.REDLINE_CRITIC_API_KEY,
            max_connections=max_in_flight(chosen),
        )
        bound = reward_client

        async def rewarder(item: ItemInput, text: str) -> float:
            return await reward_score(bound, item, text, chosen.reward_task)

    async with client_for(critic, chosen) as client:
        if configured_dialect(chosen) is None:
            try:
                client.dialect, _ = await with_retries(lambda: detect_dialect(client), attempts=attempts)
            except CriticError as exc:
                for row in rows:
                    writer.put(
                        Outcome(
                            row["id"],
                            row["item_id"],
                            row["item__kind"],
                            None,
                            error=f"cannot reach the critic: {exc.reason}",
                            attempts=attempts,
                        )
                    )
                return
        if client.dialect.parallel:  # never more in flight than the server serves: the rest would time out
            semaphore = asyncio.Semaphore(in_flight_limit(chosen, client.dialect.parallel))
            log.info("%s serves %d request(s) at once", critic.name, client.dialect.parallel)

        async def one(row: dict[str, Any]) -> None:
            async with semaphore:
                if writer.cancelled.is_set():
                    return
                item = _input(row)
                try:
                    if chosen.execution_hint:
                        item = await _with_failure(item)
                    result, used = await with_retries(
                        lambda: critique_item(client, item, settings_, rewarder), attempts=attempts
                    )
                    writer.put(Outcome(row["id"], row["item_id"], item.kind, result, attempts=used))
                except CriticError as exc:
                    tries = attempts if exc.retryable else 1
                    writer.put(Outcome(row["id"], row["item_id"], item.kind, None, error=exc.reason, attempts=tries))
                except Exception as exc:  # one bad item must not stop the run
                    log.exception("critique of item %s failed", row["item_id"])
                    writer.put(Outcome(row["id"], row["item_id"], item.kind, None, error=f"internal error: {exc!r}"))

        tasks = [asyncio.create_task(one(row)) for row in rows]
        watcher = asyncio.create_task(_cancel_when_asked(writer, tasks))
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            watcher.cancel()
            if reward_client is not None:
                await reward_client.aclose()


async def _with_failure(item: ItemInput) -> ItemInput:
    mode = cast(Mode, settings.REDLINE_SANDBOX)
    failure = await asyncio.to_thread(failing_test_report, item, limits=Limits(), mode=mode)
    return replace(item, failure=failure)


async def _cancel_when_asked(writer: ResultWriter, tasks: list[asyncio.Task[None]]) -> None:
    """A cancelled run stops within a second: requests in flight are abandoned, not awaited (a slow
    server would otherwise hold the run for its whole timeout). Their items stay pending."""
    while not all(task.done() for task in tasks):
        if writer.cancelled.is_set():
            for task in tasks:
                task.cancel()
            return
        await asyncio.sleep(CANCEL_POLL_S)


def _drive_execution(rows: list[dict[str, Any]], writer: ResultWriter) -> None:
    mode = settings.REDLINE_SANDBOX

    def one(row: dict[str, Any]) -> None:
        if writer.cancelled.is_set():
            return
        item = _input(row)
        try:
            result = execution_critique(item, limits=Limits(), mode=mode)  # type: ignore[arg-type]
            writer.put(Outcome(row["id"], row["item_id"], item.kind, result))
        except Exception as exc:
            log.exception("execution critique of item %s failed", row["item_id"])
            writer.put(Outcome(row["id"], row["item_id"], item.kind, None, error=f"internal error: {exc!r}"))

    with ThreadPoolExecutor(max_workers=settings.REDLINE_EXECUTION_WORKERS) as pool:
        list(pool.map(one, rows))


def _work(run_id: int) -> None:
    run = CritiqueRun.objects.select_related("critic").get(pk=run_id)
    rows = list(
        CritiqueRunItem.objects.filter(run=run, status=RunItemStatus.PENDING).order_by("id").values("id", *ITEM_FIELDS)
    )
    writer = ResultWriter(run)
    writer.start()
    try:
        if run.critic.backend == Backend.EXECUTION:
            _drive_execution(rows, writer)
        else:
            asyncio.run(_drive_openai(run.critic, rows, writer, run.samples))
    finally:
        writer.close()


def execute_run(run_id: int, worker: str) -> str:
    """Claim the run and critique every pending item. Safe to call again: done items are skipped."""
    if not claim_run(run_id, worker):
        return "not claimed: another worker holds it, or it is finished"
    try:
        _work(run_id)
    except BaseException:
        # Let the retry (or another worker) claim it at once instead of waiting for the heartbeat to go stale.
        CritiqueRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, worker=worker).update(
            status=RunStatus.QUEUED, heartbeat_at=None
        )
        raise
    refresh_counters(run_id)
    run = CritiqueRun.objects.get(pk=run_id)
    final = RunStatus.CANCELLED if run.cancel_requested else RunStatus.DONE
    if CritiqueRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(status=final, finished_at=timezone.now()):
        run_finished.send(
            sender=CritiqueRun,
            run_id=run_id,
            status=str(final),
            owner_id=run.created_by_id,
            done=run.done,
            failed=run.failed,
            total=run.total,
        )
    return f"{final}: {run.done} done, {run.failed} failed of {run.total}"
