"""Who gets into the back office: roles on every URL, sign-in and its limits, sessions, CSRF, staff accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.extensions import db
from donations.finance.access import SEEN_AT, SIGNED_IN_AT
from donations.models import AuditEntry, ReceiptStatus, StaffRole, StaffUser
from tests.support.factories import receipt
from tests.support.finance_staff import ADMIN_EMAIL, FINANCE_EMAIL, PASSWORD, sign_in
from tests.support.pages import csrf_token

PLACEHOLDERS = {
    "public_id": "00000000-0000-0000-0000-000000000000",
    "number": "2026-000001",
    "payment_id": 1,
    "staff_id": 1,
    "credit_id": 1,
    "slip_id": 1,
    "slug": "dystonie",
}
PLACEHOLDERS.update(stripe_payout_id="po_placeholder", name="fees")  # payouts and reports


def finance_urls(app: Flask) -> list[tuple[str, str, tuple[StaffRole, ...]]]:
    """(method, URL, roles allowed) for every back-office route but the sign-in page, from the URL map."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/finance") or rule.endpoint == "finance.login":
                continue
            path = rule.build({name: PLACEHOLDERS[name] for name in rule.arguments})[1]
            roles = app.view_functions[rule.endpoint].finance_roles
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, path, roles))
    return found


def test_the_url_map_has_every_back_office_page(app: Flask) -> None:
    paths = {path for _method, path, _roles in finance_urls(app)}
    for expected in (
        "/finance/",
        "/finance/donations",
        "/finance/audit",
        "/finance/staff",
        "/finance/receipts.zip",
        "/finance/logout",
    ):
        assert expected in paths
    # Every route carries its roles, and none is open to all.
    assert all(roles for _method, _path, roles in finance_urls(app))


def test_every_finance_url_refuses_an_anonymous_visitor(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client.get("/finance/login").text)
    for method, path, _roles in finance_urls(app):
        if method == "GET":
            answer = client.get(path)
            assert answer.status_code == 302, path
            assert answer.headers["Location"].startswith("/finance/login"), path
        else:
            # With a valid CSRF token, so the refusal seen is the back office's own.
            answer = client.open(path, method=method, data={"csrf_token": token, "confirm": "y"})
            assert answer.status_code == 401, (method, path)


def test_every_finance_url_refuses_staff_without_the_role(app: Flask, finance: FlaskClient, admin: FlaskClient) -> None:
    browsers = {StaffRole.FINANCE: finance, StaffRole.ADMIN: admin}
    tokens = {
        StaffRole.FINANCE: csrf_token(finance.get("/finance/").text),
        StaffRole.ADMIN: csrf_token(admin.get("/finance/staff").text),
    }
    checked = 0
    for method, path, roles in finance_urls(app):
        for role, browser in browsers.items():
            if role in roles:
                continue
            answer = browser.open(path, method=method, data={"csrf_token": tokens[role], "confirm": "y"})
            assert answer.status_code == 403, (role, method, path)
            checked += 1
    assert checked >= 20
    # Admin pages refuse finance users in particular.
    assert finance.get("/finance/staff").status_code == 403
    assert admin.get("/finance/donations").status_code == 403


def test_a_view_without_a_declared_role_is_closed(
    make_app: Callable[..., Flask], make_staff: Callable[..., Any]
) -> None:
    app = make_app(MAIL_SERVER="")
    app.add_url_rule("/finance/forgotten", endpoint="finance.forgotten", view_func=lambda: "open")
    browser = app.test_client()
    with app.app_context():
        from donations.finance.staff import create_staff

        create_staff(db.session, "x@fondation.example", StaffRole.FINANCE, PASSWORD)
        db.session.commit()
    sign_in(browser, "x@fondation.example")
    assert browser.get("/finance/forgotten").status_code == 403


def test_sign_in_opens_the_dashboard_and_sign_out_closes_it(
    app: Flask, client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    answer = sign_in(client, "  Compta@Fondation.example ")
    assert answer.status_code == 303 and answer.headers["Location"] == "/finance/"
    assert "Dashboard" in client.get("/finance/?lang=en").text
    page = client.get("/finance/donations?lang=en")
    out = client.post("/finance/logout", data={"csrf_token": csrf_token(page.text)})
    assert out.status_code == 303
    assert client.get("/finance/").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["staff.sign_in", "staff.sign_out"]


def test_sign_in_goes_back_to_the_page_asked_for_but_never_elsewhere(
    client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    asked = client.get("/finance/donations?kind=monthly")
    assert asked.headers["Location"] == "/finance/login?next=/finance/donations?kind%3Dmonthly"
    page = client.get(asked.headers["Location"])
    data = {"csrf_token": csrf_token(page.text), "email": FINANCE_EMAIL, "password": PASSWORD}
    assert (
        client.post("/finance/login?next=/finance/donations?kind%3Dmonthly", data=data).headers["Location"]
        == "/finance/donations?kind=monthly"
    )
    client.post("/finance/logout", data={"csrf_token": csrf_token(client.get("/finance/").text)})
    page = client.get("/finance/login")
    data["csrf_token"] = csrf_token(page.text)
    assert client.post("/finance/login?next=https://evil.example/", data=data).headers["Location"] == "/finance/"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    app: Flask, client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    client.get("/finance/login?lang=en")
    wrong = sign_in(client, FINANCE_EMAIL, "not the password at all")
    unknown = sign_in(client, "nobody@fondation.example", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    for answer in (wrong, unknown):
        assert "Incorrect email or password." in answer.text
    with app.app_context():
        failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.sign_in_failed")).all()
        # The account aimed at, not what was typed: an unknown email leaves no trace of itself.
        assert [(entry.target_type, entry.target_id, entry.details) for entry in failed] == [
            ("staff", FINANCE_EMAIL, {}),
            (None, None, {}),
        ]
        assert all(entry.ip_address == "127.0.0.1" for entry in failed)


def test_the_tenth_wrong_password_in_a_row_is_throttled(
    app: Flask, client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    token = csrf_token(client.get("/finance/login").text)
    answers = [
        client.post(
            "/finance/login", data={"csrf_token": token, "email": FINANCE_EMAIL, "password": f"wrong {i}"}
        ).status_code
        for i in range(10)
    ]
    assert answers == [401] * 9 + [429]
    # Even the right password waits now, from this address...
    right = {"csrf_token": token, "email": FINANCE_EMAIL, "password": PASSWORD}
    assert client.post("/finance/login", data=right).status_code == 429
    # ...but the staff member, signing in from elsewhere, is not locked out by the attacker.
    elsewhere = app.test_client()
    token = csrf_token(elsewhere.get("/finance/login", environ_base={"REMOTE_ADDR": "192.0.2.7"}).text)
    answer = elsewhere.post(
        "/finance/login", data={**right, "csrf_token": token}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert answer.status_code == 303


def test_a_good_password_ends_the_row_of_failures(app: Flask, make_staff: Callable[..., Any]) -> None:
    make_staff()
    for _ in range(3):
        for i in range(8):
            assert sign_in(app.test_client(), FINANCE_EMAIL, f"typo {i}").status_code == 401
        assert sign_in(app.test_client(), FINANCE_EMAIL).status_code == 303


def test_forms_without_a_csrf_token_are_refused(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _public_id, number, _payment = paid_gift()
    anonymous = app.test_client()
    assert anonymous.post("/finance/login", data={"email": FINANCE_EMAIL, "password": PASSWORD}).status_code == 400
    assert (
        finance.post(f"/finance/receipts/{number}/cancel", data={"reason": "test", "confirm": "y"}).status_code == 400
    )
    assert finance.post(f"/finance/receipts/{number}/resend", data={"confirm": "y"}).status_code == 400
    assert finance.post("/finance/logout").status_code == 400
    assert receipt(app, number).status == ReceiptStatus.ISSUED
    assert finance.get("/finance/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    ("stamp", "ago"), [(SEEN_AT, dt.timedelta(minutes=31)), (SIGNED_IN_AT, dt.timedelta(hours=8, minutes=1))]
)
def test_a_session_expires_when_idle_and_after_eight_hours(finance: FlaskClient, stamp: str, ago: dt.timedelta) -> None:
    assert finance.get("/finance/").status_code == 200
    with finance.session_transaction() as session:
        session[stamp] = (dt.datetime.now(dt.UTC) - ago).timestamp()
    answer = finance.get("/finance/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/finance/login")
    assert finance.get("/finance/").status_code == 302


def test_an_admin_adds_and_deactivates_accounts(app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/finance/staff?lang=en")
    assert page.status_code == 200 and ADMIN_EMAIL in page.text
    new = {
        "csrf_token": csrf_token(page.text),
        "email": "Nouvelle@Fondation.example",
        "role": "finance",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    assert admin.post("/finance/staff", data={**new, "password_again": "different"}).status_code == 400
    assert admin.post("/finance/staff", data={**new, "password": "short", "password_again": "short"}).status_code == 400
    assert admin.post("/finance/staff", data=new).status_code == 303
    assert admin.post("/finance/staff", data=new).status_code == 400  # the email is taken now

    newcomer = app.test_client()
    assert sign_in(newcomer, "nouvelle@fondation.example").status_code == 303
    with app.app_context():
        staff_id = db.session.scalars(select(StaffUser.id).where(StaffUser.email == "nouvelle@fondation.example")).one()
    path = f"/finance/staff/{staff_id}/active"
    page = admin.get(path)
    assert admin.post(path, data={"csrf_token": csrf_token(page.text)}).status_code == 400  # not confirmed
    assert admin.post(path, data={"csrf_token": csrf_token(page.text), "confirm": "y"}).status_code == 303
    # Signed out at once, and refused from now on.
    assert newcomer.get("/finance/").status_code == 302
    assert sign_in(newcomer, "nouvelle@fondation.example").status_code == 401
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == "nouvelle@fondation.example")
        ).all()
    assert set(actions) >= {"staff.create", "staff.deactivate"}


def test_an_admin_cannot_deactivate_their_own_account(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        own = db.session.scalars(select(StaffUser.id).where(StaffUser.email == ADMIN_EMAIL)).one()
    page = admin.get(f"/finance/staff/{own}/active")
    answer = admin.post(f"/finance/staff/{own}/active", data={"csrf_token": csrf_token(page.text), "confirm": "y"})
    assert answer.status_code == 303
    assert admin.get("/finance/staff").status_code == 200


def test_staff_create_command_asks_the_password_twice_without_echoing_it(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "create", "--email", "cli@fondation.example", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output and "Repeat for confirmation" in result.output
    assert sign_in(client, "cli@fondation.example").headers["Location"] == "/finance/staff"
    again = runner.invoke(
        args=["staff", "create", "--email", "cli@fondation.example", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(
        args=["staff", "create", "--email", "weak@fondation.example", "--role", "finance"], input="short\nshort\n"
    )
    assert weak.exit_code != 0 and "at least 12" in weak.output
    with app.app_context():
        stored = db.session.scalars(
            select(StaffUser.password_hash).where(StaffUser.email == "cli@fondation.example")
        ).one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored
