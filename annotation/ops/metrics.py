"""Prometheus metrics (prometheus_client): request latency by route from a middleware, and gauges read
from the database and the broker at scrape time (queue depth, tasks, contractors at work, critique
throughput and latency). Under gunicorn the request metrics of every worker process are summed
through prometheus_client's multiprocess mode (gunicorn.conf.py sets its directory)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from annotation.studies.models import Assignment, AssignmentStatus, StudyStatus
from assist.interface import critique_stats

WINDOW = timedelta(minutes=5)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS_MS = (250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000)
REQUEST_SECONDS = Histogram(
    "redline_http_request_duration_seconds",
    "Time to answer a request, by route pattern, method and status.",
    ("route", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMetricsMiddleware:
    """Times every request under its URL pattern (never the raw path: ids would explode the labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = (match.route or match.view_name) if match is not None else "unmatched"
        method = request.method if request.method in HTTP_METHODS else "other"  # any token is a method to Django
        REQUEST_SECONDS.labels(route, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


def _queue_depth() -> float | None:
    """Messages waiting in the Celery queue (Redis brokers: the queue is a list of that name)."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return float(client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except redis.RedisError:
        return None
    finally:
        client.close()


class RedlineCollector:
    """Read at scrape time, so every web process reports the same figures."""

    def collect(self) -> Iterator[Metric]:
        depth = _queue_depth()
        if depth is not None:
            queue = GaugeMetricFamily("redline_queue_depth", "Celery messages waiting.", labels=("queue",))
            queue.add_metric((settings.CELERY_TASK_DEFAULT_QUEUE,), depth)
            yield queue
        tasks = GaugeMetricFamily("redline_tasks", "Tasks of running studies, by state.", labels=("state",))
        running = Assignment.objects.filter(study__status=StudyStatus.RUNNING)
        counts = dict(running.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for state in AssignmentStatus.values:
            tasks.add_metric((state,), counts.get(state, 0))
        yield tasks
        active = running.filter(status=AssignmentStatus.ACTIVE).values("contractor").distinct().count()
        yield GaugeMetricFamily("redline_active_contractors", "Contractors with a task in progress.", value=active)
        yield from self._critiques()

    def _critiques(self) -> Iterator[Metric]:
        stats = critique_stats(timezone.now() - WINDOW)
        window = WINDOW.total_seconds()
        for name, help_text, value in (
            ("critiques_per_second", "Critiques written by runs over the last 5 minutes.", stats["written"] / window),
            ("critique_failures_per_second", "Failed critiques over the last 5 minutes.", stats["failed"] / window),
            ("critique_items_pending", "Items waiting in queued or running runs.", stats["pending"]),
        ):
            yield GaugeMetricFamily(f"redline_{name}", help_text, value=value)
        latencies = stats["latencies_ms"]
        buckets = [(f"{bound / 1000:g}", sum(1 for ms in latencies if ms <= bound)) for bound in LATENCY_BUCKETS_MS]
        yield HistogramMetricFamily(
            "redline_critique_latency_seconds",
            "Critique latency of the last 5 minutes' critiques.",
            buckets=[*buckets, ("+Inf", len(latencies))],
            sum_value=sum(latencies) / 1000,
        )


def exposition() -> tuple[bytes, str]:
    """The metrics page: every process's request metrics, then the gauges read now."""
    gauges = CollectorRegistry()
    gauges.register(RedlineCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)  # type: ignore[no-untyped-call]
        return generate_latest(requests) + generate_latest(gauges), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY) + generate_latest(gauges), CONTENT_TYPE_LATEST
