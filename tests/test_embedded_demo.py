"""`make demo` with nothing installed: SQLite and the filesystem broker, in a fresh directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_demo_migrates_and_seeds_on_the_embedded_defaults(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(DEBUG="1", REDLINE_VAR_DIR=str(tmp_path))

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--no-input", "-v", "0")
    out = manage("seed_demo", "--code-items", "4")
    assert "Imported 22 items into 'Topic summaries (demo)'" in out
    assert (tmp_path / "redline.sqlite3").is_file()
    assert (tmp_path / "celery" / "queue").is_dir()
    again = manage("seed_demo", "--code-items", "4")
    assert "skipped 22 repeated items" in again
