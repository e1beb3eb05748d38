"""The real app, built with the test settings over the suite's database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from donations import create_app
from donations.extensions import db as _db
from donations.platform.jobs import wait_for_inline_jobs

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
