"""Staff sessions end everywhere on sign-out, a new password or deactivation; passwords resist
guessing; failed sign-ins keep nothing typed; back-office pages are kept by no cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from donations.extensions import db
from donations.finance.staff import StaffError, check_password_strength
from donations.models import AuditEntry, StaffUser
from tests.support.app_factory import copied_session
from tests.support.finance_staff import ADMIN_EMAIL, FINANCE_EMAIL, PASSWORD, sign_in
from tests.support.pages import csrf_token

DASHBOARD = "/finance/"


def signed_out(browser: FlaskClient) -> bool:
    answer = browser.get(DASHBOARD)
    return answer.status_code == 302 and answer.headers["Location"].startswith("/finance/login")


def test_a_copied_staff_cookie_stops_working_once_the_account_signs_out_elsewhere(
    app: Flask, finance: FlaskClient
) -> None:
    thief = copied_session(app, finance)
    laptop = app.test_client()
    assert sign_in(laptop, FINANCE_EMAIL).status_code == 303
    assert thief.get(DASHBOARD).status_code == 200
    page = finance.get(DASHBOARD)
    assert finance.post("/finance/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 303
    assert signed_out(finance) and signed_out(thief) and signed_out(laptop)
    assert sign_in(app.test_client(), FINANCE_EMAIL).status_code == 303  # signing in again works


def test_a_new_password_ends_every_session_of_the_account(
    app: Flask, finance: FlaskClient, runner: FlaskCliRunner
) -> None:
    new_password = "quiet lantern orchard nineteen"
    result = runner.invoke(
        args=["staff", "set-password", "--email", FINANCE_EMAIL], input=f"{new_password}\n{new_password}\n"
    )
    assert result.exit_code == 0, result.output
    assert signed_out(finance)
    assert sign_in(app.test_client(), FINANCE_EMAIL, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), FINANCE_EMAIL, new_password).status_code == 303


def test_a_deactivated_account_loses_its_sessions_and_does_not_get_them_back_when_reactivated(
    app: Flask, finance: FlaskClient, admin: FlaskClient
) -> None:
    with app.app_context():
        account = db.session.scalars(select(StaffUser).where(StaffUser.email == FINANCE_EMAIL)).one().id
    path = f"/finance/staff/{account}/active"
    for _ in range(2):  # deactivate, then reactivate
        page = admin.get(path)
        assert admin.post(path, data={"csrf_token": csrf_token(page.text), "confirm": "y"}).status_code == 303
    with app.app_context():
        assert db.session.get(StaffUser, account).active  # type: ignore[union-attr]
    assert signed_out(finance)


@pytest.mark.parametrize(
    "password",
    [
        "Password1234!",
        "azertyuiop123",
        "motdepasse2026",
        "Fondation2026!",
        "comptafondation",
        "jetaime2026!",
        "aaaaaaaaaaaaaaaa",
    ],
)
def test_common_and_easily_guessed_staff_passwords_are_refused(
    admin: FlaskClient, runner: FlaskCliRunner, password: str
) -> None:
    with pytest.raises(StaffError) as refused:
        check_password_strength(password, FINANCE_EMAIL)
    assert refused.value.code == "weak"
    page = admin.get("/finance/staff?lang=en")
    new = {
        "csrf_token": csrf_token(page.text),
        "email": FINANCE_EMAIL,
        "role": "finance",
        "password": password,
        "password_again": password,
    }
    answer = admin.post("/finance/staff?lang=en", data=new)
    assert answer.status_code == 400 and "too common or too easy to guess" in answer.text
    cli = runner.invoke(
        args=["staff", "create", "--email", "cli@fondation.example", "--role", "finance"],
        input=f"{password}\n{password}\n",
    )
    assert cli.exit_code != 0 and "too common" in cli.output


def test_a_long_phrase_of_unusual_words_is_accepted() -> None:
    check_password_strength(PASSWORD, FINANCE_EMAIL)
    check_password_strength("quiet lantern orchard nineteen", ADMIN_EMAIL)
    check_password_strength("x7#Kp2!vQz9@Lm4$" * 10, ADMIN_EMAIL)  # past zxcvbn's 72 characters


def test_a_failed_sign_in_keeps_nothing_that_was_typed(
    app: Flask, client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    typed = [
        ("Hunter2-secret@typed-here", PASSWORD),
        (FINANCE_EMAIL, "my-real-password-almost"),
        ("Un mot de passe", "wrong again"),
    ]
    for email, password in typed:
        assert sign_in(client, email, password).status_code == 401
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.sign_in_failed")).all()
        stored = repr([(e.target_type, e.target_id, e.details) for e in entries])
    assert len(entries) == 3
    for email, password in typed:
        assert password not in stored
        if email != FINANCE_EMAIL:
            assert email.lower() not in stored.lower()


def test_back_office_pages_and_downloads_are_kept_by_no_cache(
    finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _public_id, number, _ = paid_gift()
    for path in (DASHBOARD, "/finance/login", f"/finance/receipts/{number}.pdf"):
        answer = finance.get(path)
        assert answer.headers["Cache-Control"] == "no-store", path
