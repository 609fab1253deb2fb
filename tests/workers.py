"""A real Celery worker process on the real Redis, pointed at the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

from tests.conftest import ROOT


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self, log_dir: Path, concurrency: int = 2, *, beat: bool = False, env: dict[str, str] | None = None
    ) -> None:
        self.log = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **(env or {}),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{uuid.uuid4().hex[:6]}@%h",
        ]
        if beat:  # Celery beat inside the worker, its schedule file kept with the log
            command += ["--beat", "--schedule", str(log_dir / f"beat-{uuid.uuid4().hex[:8]}")]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_for("ready.", timeout=60)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.output[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"the worker did not print {text!r}:\n{self.output[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, the whole process group: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
