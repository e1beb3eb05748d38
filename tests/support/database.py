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

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


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
