"""Loaded with `-p` before Django is configured: defaults so the suite runs on real services."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/redline")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "redline-test-secret-key-that-is-long-enough-for-django-checks")
os.environ.setdefault("REDLINE_HTTPS", "0")
os.environ.setdefault("REDLINE_STATIC_MANIFEST", "0")
os.environ.setdefault("REDLINE_SANDBOX", "bwrap")
os.environ.setdefault("REDLINE_VAR_DIR", tempfile.mkdtemp(prefix="redline-test-var-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# A queue of this run's own, so a worker never picks up another run's leftovers.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"redline-test-{os.getpid()}")
if os.environ.get("PYTEST_XDIST_WORKER"):  # an xdist worker inherits the controller's: its own instead
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"redline-test-{os.getpid()}"
    os.environ["REDLINE_VAR_DIR"] = tempfile.mkdtemp(prefix=f"redline-test-var-{os.environ['PYTEST_XDIST_WORKER']}-")
os.environ.setdefault("REDLINE_RUN_STALE_S", "3")
