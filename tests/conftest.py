"""Fixtures: a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), the real app.

The schema is built by the project's Alembic migrations, once per run; each
test then gets a fresh copy (SQLite) or emptied tables (PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from donations import create_app
from donations.extensions import db as _db
from donations.platform.jobs import wait_for_inline_jobs

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", "/tmp/donations-hypothesis")

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")

BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    # The tests never reach real Stripe or send real mail: the sandbox address
    # is a closed local port unless a test starts a sandbox itself.
    "STRIPE_API_BASE": "http://127.0.0.1:9",
    "STRIPE_WEBHOOK_SECRET": "whsec_test_suite",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": "9",
}


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


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """A callable building the app with extra settings over the test defaults."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config = {**BASE_CONFIG, "DATABASE_URL": database_url, "RECEIPTS_DIR": str(tmp_path / "receipts")}
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        # Jobs a request left to run after its answer (inline mode) finish before the database goes.
        wait_for_inline_jobs(app)
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The database session, inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def copied_session(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `browser`'s session cookie (stolen, or a second device)."""
    thief = app.test_client()
    cookie = browser.get_cookie("session")
    assert cookie is not None, "the browser holds no session"
    thief.set_cookie("session", cookie.value)
    return thief
