"""Behind reverse proxies (docs/deploy.md): limits and the audit trail on the client's address,
limits shared by every worker, and no staff account locked out by its email alone (issue #13, point 4).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import runpy
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.config import ConfigError
from donations.extensions import db
from donations.finance import sign_in_backoff
from donations.models import AuditEntry
from donations.platform import deployment
from tests.support.finance_staff import FINANCE_EMAIL, PASSWORD
from tests.support.pages import csrf_token
from tests.support.production import PRODUCTION
from tests.support.redis_databases import TEST_REDIS_URL

PROXY = "127.0.0.1"  # the reverse proxy, on the same machine as in docs/deploy.md


def through_proxy(client_address: str) -> dict[str, Any]:
    """What the proxy hands on: its own address as the peer, the client's in X-Forwarded-For."""
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": {"X-Forwarded-For": client_address}}


def ask_for_a_sign_in_link(client: FlaskClient, email: str, **request: Any) -> int:
    page = client.get("/my", **request)
    return client.post("/my", data={"csrf_token": csrf_token(page.text), "email": email}, **request).status_code


def staff_sign_in(client: FlaskClient, password: str, email: str = FINANCE_EMAIL, **request: Any) -> Any:
    page = client.get("/finance/login", **request)
    return client.post(
        "/finance/login", data={"csrf_token": csrf_token(page.text), "email": email, "password": password}, **request
    )


@pytest.fixture
def make_staff(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """A callable that builds the app with these settings and one finance account in it."""

    def build(**settings: Any) -> Flask:
        from donations.finance.staff import create_staff
        from donations.models import StaffRole

        app = make_app(MAIL_SERVER="", **settings)
        with app.app_context():
            create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
            db.session.commit()
        return app

    return build


def test_behind_a_trusted_proxy_twenty_donors_each_get_their_sign_in_link(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAIL_SERVER="", TRUSTED_PROXIES="1")
    answers = [
        ask_for_a_sign_in_link(app.test_client(), f"donor{n}@example.org", **through_proxy(f"198.51.100.{n}"))
        for n in range(1, 26)
    ]
    assert answers == [200] * 25


def test_without_trusted_proxies_the_forwarded_address_is_not_believed(make_app: Callable[..., Flask]) -> None:
    # The default (0): a client cannot dodge the limits by inventing X-Forwarded-For.
    app = make_app(MAIL_SERVER="")
    answers = [
        ask_for_a_sign_in_link(app.test_client(), f"donor{n}@example.org", **through_proxy(f"198.51.100.{n}"))
        for n in range(1, 8)
    ]
    assert answers[:5] == [200] * 5 and 429 in answers[5:]


def test_only_the_entries_the_trusted_proxies_added_are_believed(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAIL_SERVER="", TRUSTED_PROXIES="1")
    client = app.test_client()
    # The client forges a first entry each time; the proxy appends the address it really saw.
    answers = [
        ask_for_a_sign_in_link(
            client,
            f"d{n}@example.org",
            environ_base={"REMOTE_ADDR": PROXY},
            headers={"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.50"},
        )
        for n in range(7)
    ]
    assert answers[:5] == [200] * 5 and 429 in answers[5:]  # one client, however it fills the first entry


def test_the_audit_trail_records_the_client_address_behind_the_proxy(make_staff: Callable[..., Flask]) -> None:
    app = make_staff(TRUSTED_PROXIES="1")
    client = app.test_client()
    assert staff_sign_in(client, "wrong password", **through_proxy("203.0.113.9")).status_code == 401
    assert staff_sign_in(client, PASSWORD, **through_proxy("203.0.113.10")).status_code == 303
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(entry.action, entry.ip_address) for entry in entries] == [
            ("staff.sign_in_failed", "203.0.113.9"),
            ("staff.sign_in", "203.0.113.10"),
        ]


def test_strangers_failing_on_a_staff_email_never_lock_the_staff_member_out(make_staff: Callable[..., Flask]) -> None:
    app = make_staff(TRUSTED_PROXIES="1")
    for n in range(60):  # sixty strangers, from sixty addresses behind the same proxy
        stranger = app.test_client()
        assert staff_sign_in(stranger, f"guess {n}", **through_proxy(f"198.51.100.{n + 1}")).status_code == 401
    assert staff_sign_in(app.test_client(), PASSWORD, **through_proxy("192.0.2.44")).status_code == 303


def test_failed_sign_ins_wait_longer_and_longer_for_one_address_and_email(
    make_staff: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_staff()
    client = app.test_client()
    now = [dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(sign_in_backoff, "utcnow", lambda: now[0])
    assert [staff_sign_in(client, f"wrong {i}").status_code for i in range(9)] == [401] * 9
    waits = []
    for _ in range(4):
        refused = staff_sign_in(client, PASSWORD)  # even the right password waits its turn
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        now[0] += dt.timedelta(seconds=waits[-1])
        assert staff_sign_in(client, "wrong again").status_code == 401
    assert waits == [30, 60, 120, 240]
    assert "wait" in staff_sign_in(client, PASSWORD, headers={"Accept-Language": "en"}).text
    # Another email from the same address, and this email from another address, do not wait.
    assert staff_sign_in(client, "x", email="other@fondation.example").status_code == 401
    assert staff_sign_in(app.test_client(), PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 303
    # Once the wait is over, the right password signs in and ends the row.
    now[0] += dt.timedelta(seconds=480)
    assert staff_sign_in(client, PASSWORD).status_code == 303
    assert sign_in_backoff.seconds_to_wait("127.0.0.1", FINANCE_EMAIL) == 0


def test_the_delays_grow_to_a_cap() -> None:
    assert [sign_in_backoff.wait_after(n) for n in (1, 8, 9, 10, 11, 14, 40, 10_000)] == [
        0,
        0,
        30,
        60,
        120,
        900,
        900,
        900,
    ]


@pytest.mark.parametrize("value", ["-1", "two", "11"])
def test_trusted_proxies_must_be_a_small_whole_number(make_app: Callable[..., Flask], value: str) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES=value)


def test_production_warns_when_several_workers_count_limits_in_memory(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="donations.platform.deployment")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    make_app(**PRODUCTION)
    assert any("RATELIMIT_STORAGE_URI is memory:// with 3 workers" in record.getMessage() for record in caplog.records)
    caplog.clear()
    make_app(**PRODUCTION, RATELIMIT_STORAGE_URI=TEST_REDIS_URL)  # only named: start-up connects to nothing
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    make_app(**PRODUCTION)
    assert not caplog.records


def test_the_worker_count_is_what_gunicorn_starts() -> None:
    assert deployment.gunicorn_workers({}) == 1
    assert deployment.gunicorn_workers({"WEB_CONCURRENCY": "4"}) == 4
    assert deployment.gunicorn_workers({"GUNICORN_WORKERS": "5"}) == 5
    assert deployment.gunicorn_workers({"WEB_CONCURRENCY": "many"}) == 1


def test_limits_kept_in_redis_hold_across_worker_processes(
    make_app: Callable[..., Flask], redis_url: str, redis_limits: Any
) -> None:
    # Each app stands for a worker process: it starts with its own limiter, and only Redis is shared.
    first = make_app(MAIL_SERVER="", RATELIMIT_STORAGE_URI=redis_url)
    assert [ask_for_a_sign_in_link(first.test_client(), "d@example.org") for _ in range(5)] == [200] * 5
    second = make_app(MAIL_SERVER="", RATELIMIT_STORAGE_URI=redis_url)
    assert ask_for_a_sign_in_link(second.test_client(), "d@example.org") == 429
    assert redis_limits.dbsize() > 0


def test_one_address_failing_on_many_emails_is_held_back(make_staff: Callable[..., Flask]) -> None:
    app = make_staff(TRUSTED_PROXIES="1")
    client = app.test_client()
    stranger = through_proxy("198.51.100.77")
    assert [
        staff_sign_in(client, "guess", email=f"staff{n}@fondation.example", **stranger).status_code for n in range(30)
    ] == [401] * 30
    held = staff_sign_in(client, PASSWORD, **stranger)
    assert held.status_code == 429 and 0 < int(held.headers["Retry-After"]) <= 900
    # The staff member, from their own address behind the same proxy, is not.
    assert staff_sign_in(app.test_client(), PASSWORD, **through_proxy("192.0.2.45")).status_code == 303


def test_gunicorn_tells_the_app_how_many_workers_it_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # put back as it was after the test
    # Several workers set the metrics' multiprocess directory: this one, unset again after the test
    # (left in the environment, it would turn the next tests' /metrics to multiprocess mode).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    settings["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=6)))  # `gunicorn -w 6` wins over the file
    assert deployment.gunicorn_workers(os.environ) == 6


def test_the_limiter_storage_keeps_no_email_in_clear(
    make_app: Callable[..., Flask], make_staff: Callable[..., Flask], redis_url: str, redis_limits: Any
) -> None:
    app = make_staff(RATELIMIT_STORAGE_URI=redis_url)
    assert staff_sign_in(app.test_client(), "typed password", email="stranger@example.org").status_code == 401
    keys = b" ".join(redis_limits.keys("*"))
    assert keys and b"stranger" not in keys and b"example.org" not in keys


@pytest.mark.parametrize("live_settings", [{"TRUSTED_PROXIES": "1", "MAIL_SERVER": ""}])
def test_over_http_the_forwarded_client_is_limited_and_audited_as_itself(live: Any) -> None:
    from donations.finance.staff import create_staff
    from donations.models import StaffRole
    from tests.support.pages import form_fields

    with live.app.app_context():
        create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
        db.session.commit()

    def sign_in_from(address: str, password: str) -> int:
        headers = {"X-Forwarded-For": address}
        page = live.browser.get(live.url + "/finance/login", headers=headers, timeout=10)
        data = {**form_fields(page.text), "email": FINANCE_EMAIL, "password": password}
        return live.browser.post(
            live.url + "/finance/login", data=data, headers=headers, allow_redirects=False, timeout=10
        ).status_code

    assert [sign_in_from("198.51.100.20", f"guess {n}") for n in range(10)] == [401] * 9 + [429]
    assert sign_in_from("192.0.2.60", PASSWORD) == 303
    with live.app.app_context():
        addresses = db.session.scalars(select(AuditEntry.ip_address).order_by(AuditEntry.id)).all()
    assert addresses == ["198.51.100.20"] * 9 + ["192.0.2.60"]
