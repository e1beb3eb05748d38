"""Back-office fixtures: staff accounts in the real database, signed-in browsers, paid gifts with receipts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.platform.jobs import wait_for_inline_jobs
from donations.models import DonationKind, Payment, Receipt, StaffRole, TaxScheme
from donations.receipting.service import issuing_context
from donations.receipting.pdfs import store_receipt_pdf
from donations.finance.staff import create_staff
from receipts.issuing import issue_for_payment
from tests.e2e.conftest import form_fields, give, live  # noqa: F401  (the live app and its sandbox)
from tests.receipts.conftest import live_settings, smtp  # noqa: F401  (the live app mails a local SMTP server)
from tests.receipts.factories import settled_payment

PASSWORD = "correct horse battery staple"
FINANCE_EMAIL = "compta@fondation.example"
ADMIN_EMAIL = "admin@fondation.example"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app with CSRF on (the test default) and mail logged rather than sent."""
    return make_app(MAIL_SERVER="")


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., Any]:
    """A callable that creates an active account (finance by default) and returns its email."""

    def create(email: str = FINANCE_EMAIL, role: StaffRole = StaffRole.FINANCE, password: str = PASSWORD) -> str:
        with app.app_context():
            create_staff(db.session, email, role, password)
            db.session.commit()
        return email

    return create


def csrf_token(page: str) -> str:
    return form_fields(page)["csrf_token"]


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a person does; returns the POST's answer."""
    page = client.get("/finance/login")
    return client.post("/finance/login", data={"csrf_token": csrf_token(page.text), "email": email, "password": password})


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


@pytest.fixture
def paid_gift(app: Flask) -> Callable[..., tuple[str, str | None, int]]:
    """A callable: a paid gift with its per-gift receipt issued and stored; (donation public id, receipt number, payment id)."""

    def make(amount_cents: int = 5000, kind: DonationKind = DonationKind.ONE_OFF, received_at: dt.datetime | None = None,
             livemode: bool = False, **donor: Any) -> tuple[str, str | None, int]:
        with app.app_context():
            payment = settled_payment(db.session, amount_cents, kind, received_at)
            payment.livemode = payment.donation.livemode = livemode
            payment.stripe_payment_intent_id = f"pi_factory_{payment.id}"
            if kind == DonationKind.IFI:
                payment.donation.tax_scheme = TaxScheme.IFI
            for name, value in donor.items():
                setattr(payment.donation.donor, name, value)
            payment.donation.identity = payment.donation.donor.identity.to_json()
            issued = issue_for_payment(db.session, payment, issuing_context())
            db.session.commit()
            if issued is not None:
                store_receipt_pdf(issued.receipt.id)  # drawn and stored after the commit, as the service does
            result = (payment.donation.public_id, issued.receipt.number if issued else None, payment.id)
            db.session.remove()
            return result

    return make


def receipt(app: Flask, number: str) -> Receipt:
    """The receipt as the database has it now (detached)."""
    with app.app_context():
        found = db.session.query(Receipt).filter_by(number=number).one()
        _ = found.replaced_by, found.replaces
        db.session.expunge_all()
        return found


def payment(app: Flask, payment_id: int) -> Payment:
    with app.app_context():
        found = db.session.get(Payment, payment_id)
        db.session.expunge_all()
        return found  # type: ignore[return-value]


def confirm(client: FlaskClient, path: str, **data: str) -> Any:
    """Open an action's confirmation page, then post its form (hidden fields included) with `data`."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    answer = client.post(path, data={**form_fields(page.text), **data})
    # An action's emails leave after its answer: the test reads the state once they have.
    assert wait_for_inline_jobs(client.application)
    return answer


def text_of(html: str) -> str:
    """The page's text, tags removed and spaces collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
