"""On SQLite, the service's connections use the write-ahead log with every commit synced."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from donations.extensions import db


def test_sqlite_connections_use_wal_and_durable_commits(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL: nothing to set")
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"  # readers never wait for the writer
            assert (
                conn.execute(text("PRAGMA synchronous")).scalar_one() == 2
            )  # FULL: a commit is on disk when it returns
