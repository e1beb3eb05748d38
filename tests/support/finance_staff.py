"""Finance staff in the real database, and browsers signed in as them through the login form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.finance.staff import create_staff
from donations.models import StaffRole
from tests.support.pages import csrf_token, form_fields

if TYPE_CHECKING:
    from tests.support.live_service import Live

PASSWORD = "correct horse battery staple"


FINANCE_EMAIL = "compta@fondation.example"


ADMIN_EMAIL = "admin@fondation.example"


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., Any]:
    """A callable that creates an active account (finance by default) and returns its email."""

    def create(email: str = FINANCE_EMAIL, role: StaffRole = StaffRole.FINANCE, password: str = PASSWORD) -> str:
        with app.app_context():
            create_staff(db.session, email, role, password)
            db.session.commit()
        return email

    return create


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a person does; returns the POST's answer."""
    page = client.get("/finance/login")
    return client.post(
        "/finance/login", data={"csrf_token": csrf_token(page.text), "email": email, "password": password}
    )


@pytest.fixture
def finance(client: FlaskClient, make_staff: Callable[..., Any]) -> FlaskClient:
    """A browser signed in as a finance staff member."""
    answer = sign_in(client, make_staff())
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def admin(app: Flask, make_staff: Callable[..., Any]) -> FlaskClient:
    """Another browser, signed in as an admin."""
    browser = app.test_client()
    answer = sign_in(browser, make_staff(ADMIN_EMAIL, StaffRole.ADMIN))
    assert answer.status_code == 303, answer.text
    return browser


def finance_client(app: Any):  # type: ignore[no-untyped-def]
    """A browser of the app signed in as a finance staff member (created here)."""
    with app.app_context():
        create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
        db.session.commit()
    browser = app.test_client()
    page = browser.get("/finance/login")
    answer = browser.post(
        "/finance/login", data={**form_fields(page.text), "email": FINANCE_EMAIL, "password": PASSWORD}
    )
    assert answer.status_code == 303
    return browser


def signed_in_live(live: Live) -> Live:
    """Finance staff signed in to the live back office (the account made first)."""
    with live.app.app_context():
        create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
        db.session.commit()
    page = live.get("/finance/login?lang=en")
    answer = live.post("/finance/login", data={**form_fields(page.text), "email": FINANCE_EMAIL, "password": PASSWORD})
    assert answer.status_code == 303
    return live
