"""Scratch PostgreSQL databases for the benches: each run gets one of its own, dropped afterwards."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import sqlalchemy as sa

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def scratch_postgres(prefix: str, keep: str | None = None) -> Iterator[str]:
    """`<prefix>_<pid>` on the server of TEST_DATABASE_URL (never that database itself); yields its URL.

    With `keep`, the database of that name instead: created when missing, kept afterwards (a bench run
    again on the data it built)."""
    name = keep or f"{prefix}_{os.getpid()}"
    url = sa.make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER).set(database=name)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
