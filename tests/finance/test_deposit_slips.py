"""Cheque deposit slips (bordereaux de remise): the cheques not yet deposited, on one PDF the bank takes."""

from __future__ import annotations

import datetime as dt
import io

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.models import AuditEntry, DepositSlip, Payment
from donations.platform.jobs import wait_for_inline_jobs
from tests.support.offline_gifts import day, gift_form
from tests.support.pages import form_fields, text_of


def record(client: FlaskClient, **values: str) -> None:
    page = client.get("/finance/gifts/new")
    answer = client.post(
        "/finance/gifts/new", data={"csrf_token": form_fields(page.text)["csrf_token"], **gift_form(**values)}
    )
    assert answer.status_code == 303, answer.text
    assert wait_for_inline_jobs(client.application)


def test_the_cheques_of_a_day_go_on_one_slip_read_back_from_its_pdf(app: Flask, finance: FlaskClient) -> None:
    record(finance, reference="1000001", cheque_bank="Banque Postale", amount="50", received_on=day(2))
    record(
        finance,
        reference="1000002",
        cheque_bank="Crédit Mutuel",
        amount="1 234,56",
        received_on=day(2),
        first_name="Paul",
        last_name="Martin",
    )
    record(finance, method="cash", reference="", cheque_bank="", amount="20", received_on=day(2))  # cash is no cheque
    record(
        finance,
        reference="1000003",
        cheque_bank="LCL",
        amount="30",
        received_on=day(0),
        first_name="Léa",
        last_name="Roux",
    )
    page = finance.get("/finance/deposits")
    assert page.status_code == 200
    assert all(number in page.text for number in ("1000001", "1000002", "1000003"))
    answer = finance.post(
        "/finance/deposits", data={"csrf_token": form_fields(page.text)["csrf_token"], "deposited_on": day(1)}
    )
    assert answer.status_code == 303
    with app.app_context():
        slip = db.session.scalars(select(DepositSlip)).one()
        slip_id, number = slip.id, slip.number
        assert [p.reference for p in slip.cheques] == ["1000001", "1000002"]  # the one received after the day waits
        assert (
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deposit_slip.create"))
            .one()
            .details["total_cents"]
            == 128456
        )
    listed = finance.get("/finance/deposits")
    assert "1000003" in listed.text and "1000001" not in text_of(listed.text).split("Bordereaux de remise")[0]
    pdf = finance.get(f"/finance/deposits/{slip_id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(
        PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().replace("\u00a0", " ").replace("\u202f", " ").split()
    )
    assert "Bordereau de remise de chèques" in text and number in text
    assert "Nombre de chèques : 2" in text and "Montant total : 1 284,56 €" in text
    for cheque in ("1000001 Banque Postale Jeanne Durand 50,00 €", "1000002 Crédit Mutuel Paul Martin 1 234,56 €"):
        assert cheque in text
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "deposit_slip.download")).one()


def test_no_slip_without_a_cheque_waiting_and_a_bad_date_is_refused(app: Flask, finance: FlaskClient) -> None:
    page = finance.get("/finance/deposits")
    token = form_fields(page.text)["csrf_token"]
    assert finance.post("/finance/deposits", data={"csrf_token": token, "deposited_on": day(0)}).status_code == 303
    assert finance.post("/finance/deposits", data={"csrf_token": token, "deposited_on": "demain"}).status_code == 400
    assert finance.get("/finance/deposits/999.pdf").status_code == 404
    with app.app_context():
        assert db.session.query(DepositSlip).count() == 0


def test_a_cancelled_cheque_is_never_deposited(app: Flask, finance: FlaskClient) -> None:
    record(finance, reference="555")
    with app.app_context():
        payment_id = db.session.scalars(select(Payment.id)).one()
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    finance.post(
        f"/finance/gifts/{payment_id}/cancel",
        data={**form_fields(page.text), "reason": "Chèque sans provision", "confirm": "y"},
    )
    page = finance.get("/finance/deposits")
    assert "555" not in text_of(page.text).split("Bordereaux de remise")[0]


def test_with_cheques_dated_when_cashed_the_receipt_waits_for_the_deposit_and_states_its_day(
    make_app, make_staff
) -> None:  # type: ignore[no-untyped-def]
    from donations.models import Receipt
    from donations.receipting.pdfs import pdf_of
    from tests.support.finance_staff import sign_in
    from tests.support.offline_gifts import pdf_text, ticked

    app = make_app(MAIL_SERVER="")  # the default: a cheque is receipted when it is cashed (TAX_RULES.md)
    browser = app.test_client()
    assert sign_in(browser, make_staff()).status_code == 303
    record(browser, reference="4242", received_on=day(5))
    assert "encaissement" in text_of(browser.get("/finance/gifts/new").text)  # the flash says when the receipt comes
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert payment.received_on is None and payment.cheque_received_on.isoformat() == day(5)
        assert db.session.query(Receipt).count() == 0
    page = browser.get("/finance/deposits")
    assert (
        browser.post(
            "/finance/deposits", data={"csrf_token": form_fields(page.text)["csrf_token"], "deposited_on": day(2)}
        ).status_code
        == 303
    )
    assert wait_for_inline_jobs(app)
    with app.app_context():
        receipt = db.session.scalars(select(Receipt)).one()
        text = pdf_text(pdf_of(receipt))
        cashed = dt.date.fromisoformat(day(2)).strftime("%d/%m/%Y")
        assert f"Date du versement ou du don : {cashed}" in text and ticked(text) == ["Chèque"]
        assert db.session.scalars(select(Payment)).one().received_on.isoformat() == day(2)


def test_a_deposit_slip_is_never_dated_a_day_to_come(app: Flask, finance: FlaskClient) -> None:
    record(finance, reference="77")
    page = finance.get("/finance/deposits")
    tomorrow = (dt.date.fromisoformat(day(0)) + dt.timedelta(days=1)).isoformat()
    assert (
        finance.post(
            "/finance/deposits", data={"csrf_token": form_fields(page.text)["csrf_token"], "deposited_on": tomorrow}
        ).status_code
        == 400
    )
    with app.app_context():
        assert db.session.query(DepositSlip).count() == 0
