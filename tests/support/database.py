"""The suite's database: SQLite, or PostgreSQL with TEST_DATABASE_URL, built by the project's Alembic
migrations once per run; each test gets a fresh copy (SQLite) or emptied tables (PostgreSQL)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from donations import create_app
from donations.extensions import db as _db
from tests.support.app_factory import BASE_CONFIG


def _worker_url(url: str) -> str:
    """Under pytest-xdist, a PostgreSQL database of this worker's own beside TEST_DATABASE_URL's (made if missing).

    `test` becomes `test_gw0`, `test_gw1`…: each worker migrates and empties its own, and the
    variable is set to it, so the servers and workers a test starts use it too.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (url.startswith("postgresql") and worker):
        return url
    base = sa.make_url(url)
    if base.database and base.database.endswith(f"_{worker}"):
        return url  # already this worker's (a test's subprocess)
    own = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    worker_url = own.render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = worker_url
    return worker_url


POSTGRES_URL = _worker_url(os.environ.get("TEST_DATABASE_URL", ""))


def _migrate(url: str) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    with app.app_context():
        from flask_migrate import upgrade

        if url.startswith("postgresql"):
            with _db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a database migrated once for the whole run (a template, for SQLite)."""
    if POSTGRES_URL:
        _migrate(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    if POSTGRES_URL:
        yield POSTGRES_URL
        engine = sa.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            tables = [t.name for t in _db.metadata.sorted_tables]
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    copy = tmp_path / "donations.sqlite"
    shutil.copyfile(migrated_database, copy)
    yield f"sqlite:///{copy}"
