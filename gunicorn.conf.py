"""Gunicorn reads this file from the working directory: one timeout for the demo, the Docker image
and compose alike. Uploads are parsed inside the request (up to REDLINE_IMPORT_MAX_BYTES), so the
worker timeout leaves them room; everything slow beyond that (critique runs, exports, large
analyses) runs in the Celery worker."""

import os

timeout = int(os.environ.get("REDLINE_WEB_TIMEOUT_S", "180"))
graceful_timeout = 30
keepalive = 5


# Prometheus: every worker process writes its request metrics here; /metrics sums them.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(os.environ.get("REDLINE_VAR_DIR", "var"), "prometheus")
)


def on_starting(server: object) -> None:
    """A fresh directory per start: files of dead processes from an earlier run would be summed too."""
    import shutil

    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
