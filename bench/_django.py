"""Set a benchmark up against its own Postgres database (created and migrated if missing)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str = "redline_bench") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real")
    os.environ.setdefault("REDLINE_HTTPS", "0")
    os.environ.setdefault("REDLINE_STATIC_MANIFEST", "0")  # pages render without collectstatic
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/redline")
    if not base.startswith("postgres"):
        raise SystemExit("benchmarks need Postgres: set DATABASE_URL=postgres://…")
    server, _, _ = base.rpartition("/")
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
