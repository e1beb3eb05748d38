"""Gifts received by cheque, transfer or cash, recorded by finance at /finance/gifts/new, to their receipt PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import AuditEntry, Donation, DonationStatus, Donor, Payment, Receipt, ReceiptStatus
from donations.platform.jobs import wait_for_inline_jobs
from tests.support.offline_gifts import BOXES, gift_form, pdf_text, ticked  # noqa: F401
from tests.support.pages import form_fields, text_of


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp) -> Flask:  # type: ignore[no-untyped-def]
    """The app with CSRF on, mailing the local SMTP server."""
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp[1]), CHEQUE_TAX_DATE="received")


def record(client: FlaskClient, path: str = "/finance/gifts/new", **values: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    answer = client.post(
        "/finance/gifts/new",
        data={"csrf_token": fields["csrf_token"], "donor": fields.get("donor", ""), **gift_form(**values)},
    )
    # The receipt's PDF and email leave after the answer: the test goes on once they have.
    assert wait_for_inline_jobs(client.application)
    return answer


def stored_receipt(app: Flask, donation_public_id: str) -> tuple[Receipt, bytes]:
    from donations.receipting.pdfs import pdf_of

    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == donation_public_id)).one()
        receipt = db.session.scalars(
            select(Receipt).where(Receipt.donor_id == donation.donor_id).order_by(Receipt.id.desc())
        ).first()
        assert receipt is not None
        pdf = pdf_of(receipt)
        db.session.expunge_all()
        return receipt, pdf


def public_id_of(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    return answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("method", "box", "extra"),
    [
        ("cheque", "Chèque", {"reference": "7654321", "cheque_bank": "Crédit Agricole"}),
        ("cash", "Remise d'espèces", {"reference": "", "cheque_bank": ""}),
        ("transfer", "Virement, prélèvement, carte bancaire", {"reference": "VIR-DURAND-2026", "cheque_bank": ""}),
    ],
)
def test_each_offline_method_gets_its_receipt_at_once_with_its_box_ticked_and_emailed(
    app: Flask,
    finance: FlaskClient,
    smtp,
    method: str,
    box: str,
    extra: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    answer = record(finance, method=method, **extra)
    public_id = public_id_of(answer)
    page = finance.get(f"/finance/donations/{public_id}")
    assert page.status_code == 200 and "Le reçu n°" in text_of(page.text) and "envoyé par e-mail" in text_of(page.text)
    receipt, pdf = stored_receipt(app, public_id)
    assert receipt.status == ReceiptStatus.ISSUED and receipt.amount_cents == 15000 and receipt.article == "200"
    text = pdf_text(pdf)
    assert ticked(text) == [box]
    assert (
        "Nom : Durand" in text and "Prénoms : Jeanne" in text and "150,00 €" in text and "cent cinquante euros" in text
    )
    received = (paris_date(utcnow()) - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    assert received in text  # the day the money reached the foundation
    assert wait_for_inline_jobs(app)
    mailbox = smtp[0]
    messages = mailbox.wait_for(1)
    assert messages and messages[-1]["To"] == "jeanne.durand@example.org"
    assert receipt.number in messages[-1]["Subject"]
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert payment.method.value == method and (payment.reference or "") == extra["reference"]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "gift.record")).one()
        assert entry.details["receipt"] == receipt.number and entry.staff_user_id is not None


def test_offline_receipts_share_the_yearly_sequence_with_stripe_gifts(
    app: Flask, finance: FlaskClient, paid_gift
) -> None:  # type: ignore[no-untyped-def]
    _, stripe_number, _ = paid_gift()
    receipt, _pdf = stored_receipt(app, public_id_of(record(finance)))
    year, sequence = stripe_number.split("-")
    assert receipt.number == f"{year}-{int(sequence) + 1:06d}"


def test_a_company_gift_by_transfer_is_receipted_on_form_16216(app: Flask, finance: FlaskClient) -> None:
    answer = record(
        finance,
        method="transfer",
        reference="VIR 88",
        donor_type="company",
        company_name="Dupont Industries",
        legal_form="SAS",
        siren="732829320",
        first_name="",
        last_name="",
        amount="1 234,56",
    )
    receipt, pdf = stored_receipt(app, public_id_of(answer))
    assert receipt.form.value == "16216" and receipt.article == "238 bis" and receipt.amount_cents == 123456
    text = pdf_text(pdf)
    assert "Dupont Industries" in text and "X Virement, prélèvement ou carte bancaire" in text


def test_the_donor_is_searched_first_and_an_existing_one_gets_the_gift(app: Flask, finance: FlaskClient) -> None:
    record(finance, email="", reference="111")
    found = finance.get("/finance/gifts/new?q=durand 69003")
    assert "Jeanne Durand" in text_of(found.text)
    with app.app_context():
        donor_id = db.session.scalars(select(Donor.public_id)).one()
    answer = record(finance, path=f"/finance/gifts/new?donor={donor_id}", email="", reference="112", amount="20")
    assert answer.status_code == 303
    with app.app_context():
        assert db.session.query(Donor).count() == 1
        assert db.session.query(Donation).count() == 2


def test_a_donor_without_email_gets_the_receipt_in_a_printable_batch_with_the_address_in_the_window(
    app: Flask,
    finance: FlaskClient,
    smtp,  # type: ignore[no-untyped-def]
) -> None:
    record(finance, email="", reference="222", first_name="Paul", last_name="Martin", address_line1="3 place Bellecour")
    assert wait_for_inline_jobs(app)
    assert smtp[0].messages == []  # nobody to email
    page = finance.get("/finance/gifts/to-post")
    assert "1 reçu(s) pas encore imprimé(s)." in text_of(page.text)
    answer = finance.post("/finance/gifts/to-post", data={"csrf_token": form_fields(page.text)["csrf_token"]})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    assert len(reader.pages) >= 2  # the letter, then the receipt
    positions: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            positions.append((text.strip(), tm[4], tm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    mm = 72 / 25.4
    height = float(reader.pages[0].mediabox.height)
    address = [
        (t, x / mm, (height - y) / mm)
        for t, x, y in positions
        if t in ("Paul Martin", "3 place Bellecour", "69003 LYON")
    ]
    assert [t for t, _x, _y in address] == ["Paul Martin", "3 place Bellecour", "69003 LYON"]
    for _text, left, top in address:
        # Inside what a DL window (45 x 100 mm, 20 mm from the right, 15 mm from the bottom) always shows.
        assert 100 <= left <= 190 and 50 <= top <= 84
    assert "Chèque" in pdf_text(answer.data)
    again = finance.get("/finance/gifts/to-post")
    assert "Tous les reçus à poster ont été imprimés." in text_of(again.text)


def test_the_same_gift_twice_is_refused_and_recorded_once(app: Flask, finance: FlaskClient) -> None:
    assert record(finance).status_code == 303
    again = record(finance)
    assert again.status_code == 409
    assert "Ce don est déjà enregistré" in text_of(again.text)
    with app.app_context():
        assert db.session.query(Payment).count() == 1 and db.session.query(Receipt).count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"amount": "abc"}, "amount in euros"),
        ({"method": "cheque", "reference": ""}, "cheque"),
        ({"received_on": "2999-01-01"}, "future"),
        ({"donor_type": "company", "company_name": "X", "legal_form": "SA", "siren": "123"}, "SIREN"),
        ({"scheme": "company"}, "238 bis"),
        ({"postal_code": "123"}, "five digits"),
    ],
)
def test_a_bad_gift_is_refused_with_a_message_and_nothing_is_recorded(
    app: Flask, finance: FlaskClient, values: dict[str, str], message: str
) -> None:
    answer = finance.post(
        "/finance/gifts/new",
        data={"csrf_token": form_fields(finance.get("/finance/gifts/new").text)["csrf_token"], **gift_form(**values)},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert message in text_of(answer.text)
    with app.app_context():
        assert db.session.query(Payment).count() == 0


def test_recording_a_gift_needs_a_finance_account_and_the_csrf_token(
    app: Flask, client: FlaskClient, admin: FlaskClient, finance: FlaskClient
) -> None:
    assert client.application.test_client().get("/finance/gifts/new").status_code in (302, 303)
    assert admin.get("/finance/gifts/new").status_code == 403
    assert finance.post("/finance/gifts/new", data=gift_form()).status_code == 400
    with app.app_context():
        assert db.session.query(Payment).count() == 0


def test_a_gift_recorded_by_mistake_is_cancelled_with_its_receipt_kept(app: Flask, finance: FlaskClient, smtp) -> None:  # type: ignore[no-untyped-def]
    public_id = public_id_of(record(finance))
    receipt, _pdf = stored_receipt(app, public_id)
    with app.app_context():
        payment_id = db.session.scalars(select(Payment.id)).one()
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    assert page.status_code == 200
    answer = finance.post(
        f"/finance/gifts/{payment_id}/cancel",
        data={**form_fields(page.text), "reason": "Saisi deux fois", "confirm": "y"},
    )
    assert answer.status_code == 303
    assert wait_for_inline_jobs(app)
    with app.app_context():
        kept = db.session.scalars(select(Receipt).where(Receipt.number == receipt.number)).one()
        assert kept.status == ReceiptStatus.CANCELLED and "Saisi deux fois" in (kept.cancel_reason or "")
        assert db.session.query(Receipt).count() == 1  # never deleted, nothing issued in its place
        donation = db.session.scalars(select(Donation)).one()
        assert donation.status == DonationStatus.REFUNDED
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "gift.cancel")).one().details[
            "receipts_cancelled"
        ] == [receipt.number]
    download = finance.get(f"/finance/receipts/{receipt.number}.pdf")
    assert "ANNULÉ" in pdf_text(download.data)
    assert (
        finance.post(
            f"/finance/gifts/{payment_id}/cancel", data={**form_fields(page.text), "reason": "encore", "confirm": "y"}
        ).status_code
        == 409
    )


def test_a_stripe_payment_cannot_be_cancelled_as_an_offline_gift(app: Flask, finance: FlaskClient, paid_gift) -> None:  # type: ignore[no-untyped-def]
    _, number, payment_id = paid_gift()
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    answer = finance.post(
        f"/finance/gifts/{payment_id}/cancel", data={**form_fields(page.text), "reason": "x", "confirm": "y"}
    )
    assert answer.status_code == 409
    with app.app_context():
        assert db.session.scalars(select(Receipt).where(Receipt.number == number)).one().status == ReceiptStatus.ISSUED


COMPANY_GIFT = {
    "method": "transfer",
    "reference": "VIR 90",
    "donor_type": "company",
    "company_name": "Dupont Industries",
    "legal_form": "SAS",
    "siren": "732829320",
    "first_name": "",
    "last_name": "",
}


def test_a_companys_financial_year_end_is_kept_on_its_record_and_shown_again(app: Flask, finance: FlaskClient) -> None:
    public_id = public_id_of(record(finance, financial_year_end="30/06", **COMPANY_GIFT))
    receipt, _pdf = stored_receipt(app, public_id)
    assert receipt.snapshot["donor"]["financial_year_end"] == "06-30" and receipt.snapshot["period"] is None
    with app.app_context():
        donor = db.session.scalars(select(Donor)).one()
        assert donor.financial_year_end == "06-30"
        donor_id = donor.public_id
    # Chosen again after a search, the company's form shows its year end as typed; finance may change it.
    page = finance.get(f"/finance/gifts/new?donor={donor_id}")
    assert re.search(r'<input[^>]*name="financial_year_end"[^>]*value="30/06"', page.text)
    record(
        finance,
        path=f"/finance/gifts/new?donor={donor_id}",
        financial_year_end="31/03",
        **{**COMPANY_GIFT, "reference": "VIR 91"},
    )
    # A gift recorded without the field (the CSV import, an older page) leaves the record's year end alone.
    record(finance, path=f"/finance/gifts/new?donor={donor_id}", **{**COMPANY_GIFT, "reference": "VIR 92"})
    with app.app_context():
        assert db.session.scalars(select(Donor.financial_year_end)).all() == ["03-31"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "financial year ends"),
        ("31/02", "That day does not exist"),
        ("29/02", "enter 28/02"),
        ("30/\x0006", "cannot be used (such as control characters)"),  # refused before any form reads it
        ("fin juin", "such as 31/12 or 30/06"),
        ("3" * 500, "such as 31/12 or 30/06"),
    ],
)
def test_a_financial_year_end_that_is_no_day_is_refused_with_a_message(
    app: Flask, finance: FlaskClient, typed: str, message: str
) -> None:
    answer = finance.post(
        "/finance/gifts/new",
        data={
            "csrf_token": form_fields(finance.get("/finance/gifts/new").text)["csrf_token"],
            **gift_form(financial_year_end=typed, **COMPANY_GIFT),
        },
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert message in text_of(answer.text)
    with app.app_context():
        assert db.session.query(Payment).count() == 0
