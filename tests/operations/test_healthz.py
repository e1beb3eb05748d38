"""GET /healthz: 200 with every check `ok`, or 503 naming what fails, always in bounded time, never a cookie.

The failures are real: a database file removed or a PostgreSQL port where nothing listens
(or that accepts and never answers), a broker address where nothing listens, a
RECEIPTS_DIR that cannot be a directory.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from donations.extensions import db

REFUSED_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:9/donations?connect_timeout=2"


def probe(app: Flask) -> tuple[int, dict, float]:  # type: ignore[type-arg]
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json(), elapsed


def test_a_healthy_service_answers_200_naming_each_check_ok(app: Flask) -> None:
    status, body, elapsed = probe(app)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "receipts_storage": "ok"}, "failing": []}
    assert elapsed < 2
    assert not [p for p in Path(app.config["RECEIPTS_DIR"]).iterdir() if p.name.startswith(".healthz")]


def test_a_load_balancer_probing_often_is_never_limited_and_never_gets_a_session(app: Flask) -> None:
    client = app.test_client()
    answers = [client.get("/healthz") for _ in range(60)]
    assert {a.status_code for a in answers} == {200}
    assert not any("Set-Cookie" in a.headers for a in answers)
    assert client.get_cookie("session") is None


def test_the_database_gone_answers_503_naming_it(
    make_app: Callable[..., Flask], tmp_path: Path, migrated_database: str
) -> None:
    if migrated_database.startswith("postgresql"):
        app = make_app(DATABASE_URL=REFUSED_POSTGRES)
    else:
        folder = tmp_path / "database"
        folder.mkdir()
        shutil.copyfile(migrated_database, folder / "donations.sqlite")
        app = make_app(DATABASE_URL=f"sqlite:///{folder / 'donations.sqlite'}")
        assert probe(app)[0] == 200
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(folder)
    status, body, elapsed = probe(app)
    assert status == 503
    assert body["status"] == "failing" and body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("failing (OperationalError")
    assert body["checks"]["receipts_storage"] == "ok"
    assert elapsed < 2.5


def test_a_postgresql_port_where_nothing_listens_answers_503(make_app: Callable[..., Flask]) -> None:
    status, body, _elapsed = probe(make_app(DATABASE_URL=REFUSED_POSTGRES))
    assert status == 503 and body["failing"] == ["database"]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a database stuck, a firewall dropping)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_a_database_that_never_answers_fails_the_check_within_its_bound(
    make_app: Callable[..., Flask], silent_server: int
) -> None:
    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/donations")
    status, body, elapsed = probe(app)
    assert (status, body["failing"], body["checks"]["database"]) == (503, ["database"], "timeout")
    assert 1.9 < elapsed < 3
    # The check still stuck is not started again beside it: the next probe fails at once.
    status, body, elapsed = probe(app)
    assert status == 503 and body["checks"]["database"].startswith("timeout")
    assert elapsed < 0.5


def test_a_broker_where_nothing_listens_answers_503_naming_it(make_app: Callable[..., Flask]) -> None:
    status, body, elapsed = probe(make_app(CELERY_BROKER_URL="redis://127.0.0.1:9/0"))
    assert status == 503
    assert body["failing"] == ["broker"] and body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("failing (")
    assert elapsed < 2.5


def test_a_broker_that_answers_is_checked_ok(make_app: Callable[..., Flask], redis_url: str) -> None:
    status, body, _elapsed = probe(make_app(CELERY_BROKER_URL=redis_url))
    assert (status, body["checks"]) == (200, {"database": "ok", "broker": "ok", "receipts_storage": "ok"})


def test_receipts_storage_that_cannot_be_written_answers_503_naming_it(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    taken = tmp_path / "not-a-directory"
    taken.write_text("a file where the receipts' directory should be")
    status, body, _elapsed = probe(make_app(RECEIPTS_DIR=str(taken / "receipts")))
    assert status == 503
    assert body["failing"] == ["receipts_storage"]
    assert body["checks"]["receipts_storage"].startswith("failing (")
