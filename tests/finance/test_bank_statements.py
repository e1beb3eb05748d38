"""Transfers announced on the web, paid as a bank statement shows: camt.053 and CSV, matched by reference and amount."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.config import tax_rules_from
from donations.extensions import db
from donations.finance.bank_statements import StatementUnreadable, parse_camt053, reference_in
from donations.giving.announced_transfers import announce_transfer
from donations.giving.operations import DonorDetails, GiftRequest
from donations.models import (
    AuditEntry,
    BankCredit,
    BankCreditStatus,
    Donation,
    DonationKind,
    DonationStatus,
    DonorIdentity,
    Payment,
    Receipt,
)
from donations.platform.jobs import wait_for_inline_jobs
from donations.receipting.pdfs import pdf_of
from tests.support.offline_gifts import pdf_text, ticked
from tests.support.pages import form_fields, text_of

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def announce(
    app: Flask, amount_cents: int, last_name: str = "Durand", kind: DonationKind = DonationKind.ONE_OFF
) -> tuple[str, str]:
    """A transfer announced on the web (as the form records it): (reference, donation public id)."""
    identity = DonorIdentity(
        donor_type="individual",
        first_name="Jeanne",
        last_name=last_name,
        address_line1="12 rue des Lilas",
        address_line2="",
        postal_code="69003",
        city="Lyon",
        country="FR",
    )
    gift = GiftRequest(
        kind=kind,
        amount_cents=amount_cents,
        donor=DonorDetails(identity, f"{last_name.lower()}@example.org", "fr"),
        submission_token="",
    )
    with app.app_context():
        donation = announce_transfer(db.session, gift, tax_rules_from(app.config), livemode=False)
        db.session.commit()
        return donation.transfer_reference, donation.public_id  # type: ignore[return-value]


def entry(
    amount: str, booked: str, remittance: str, debtor: str, ref: str, indicator: str = "CRDT", status: str = "BOOK"
) -> str:
    return f"""
      <Ntry>
        <NtryRef>{ref}</NtryRef>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>{indicator}</CdtDbtInd>
        <Sts><Cd>{status}</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <ValDt><Dt>{booked}</Dt></ValDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <Amt Ccy="EUR">{amount}</Amt>
          <RltdPties><Dbtr><Pty><Nm>{debtor}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt053(*entries: str) -> bytes:
    """A camt.053.001.08 statement as a French bank sends it (one account, booked entries)."""
    today = paris_date(utcnow())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-{today:%Y%m%d}</MsgId><CreDtTm>{today}T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{today:%Y%m%d}-001</Id>
      <CreDtTm>{today}T06:00:00</CreDtTm>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{today}</Dt></Dt></Bal>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


def day(days_ago: int) -> str:
    return (paris_date(utcnow()) - dt.timedelta(days=days_ago)).isoformat()


def test_a_camt053_statement_settles_the_announced_transfers_it_pays_and_lists_the_rest(
    app: Flask, tmp_path: Path, finance: FlaskClient
) -> None:
    paid, paid_id = announce(app, 250_000)
    wrong_amount, _ = announce(app, 10_000, last_name="Martin")
    waiting, _waiting_id = announce(app, 5_000, last_name="Roux")
    statement = camt053(
        # Banks squeeze the reference: no dash, lower case, inside other words.
        entry("2500.00", day(1), f"VIR SEPA DON {paid.replace('-', '').lower()} MERCI", "MME JEANNE DURAND", "E2026-1"),
        entry("100.50", day(1), f"Don {wrong_amount}", "M PAUL MARTIN", "E2026-2"),
        entry("75.00", day(1), "Cotisation", "ASSOCIATION X", "E2026-3"),
        entry("300.00", day(1), f"Don {waiting}", "ROUX", "E2026-4", indicator="DBIT"),  # a debit: not a gift
        entry("40.00", day(0), f"Don {waiting}", "ROUX", "E2026-5", status="PDNG"),  # not booked yet
    )
    path = tmp_path / "releve.xml"
    path.write_bytes(statement)
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "3 credit(s) read: 1 matched and receipted, 2 to match by hand in the back office, 0 already imported."
        in result.output
    )
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == paid_id)).one()
        assert donation.status == DonationStatus.PAID
        payment = donation.payments[0]
        assert (
            payment.amount_cents == 250_000
            and payment.method.value == "transfer"
            and payment.received_on.isoformat() == day(1)
        )
        receipt = db.session.scalars(select(Receipt)).one()
        text = pdf_text(pdf_of(receipt))
        assert ticked(text) == ["Virement, prélèvement, carte bancaire"] and "2 500,00 €" in text
        assert db.session.query(BankCredit).filter_by(status=BankCreditStatus.UNMATCHED).count() == 2
    again = app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert "0 matched and receipted, 0 to match by hand in the back office, 3 already imported." in again.output
    with app.app_context():
        assert db.session.query(Payment).count() == 1 and db.session.query(BankCredit).count() == 3
    # The rest waits in the back office; finance matches the 100,50 € credit to Martin's transfer by hand.
    page = finance.get("/finance/bank")
    assert page.status_code == 200 and "Cotisation" in page.text and "2 crédit(s) à rapprocher" in text_of(page.text)
    with app.app_context():
        credit = db.session.scalars(select(BankCredit).where(BankCredit.amount_cents == 10050)).one()
        cotisation = db.session.scalars(select(BankCredit).where(BankCredit.amount_cents == 7500)).one()
        martin = db.session.scalars(select(Donation).where(Donation.transfer_reference == wrong_amount)).one().public_id
        credit_id, cotisation_id = credit.id, cotisation.id
    token = form_fields(page.text)["csrf_token"]
    answer = finance.post(
        f"/finance/bank/{credit_id}", data={"csrf_token": token, "donation": martin, "match": "Match"}
    )
    assert answer.status_code == 303 and wait_for_inline_jobs(app)
    assert (
        finance.post(f"/finance/bank/{cotisation_id}", data={"csrf_token": token, "aside": "Not a gift"}).status_code
        == 303
    )
    with app.app_context():
        gift = db.session.scalars(select(Donation).where(Donation.public_id == martin)).one()
        assert gift.status == DonationStatus.PAID and gift.payments[0].amount_cents == 10050  # the money received
        assert db.session.query(Receipt).count() == 2
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bank.match")).first() is not None
    assert "Tous les crédits sont rapprochés." in text_of(finance.get("/finance/bank").text)
    # Matched twice (a second tab): refused, nothing recorded again.
    assert (
        finance.post(
            f"/finance/bank/{credit_id}", data={"csrf_token": token, "donation": martin, "match": "Match"}
        ).status_code
        == 400
    )
    with app.app_context():
        assert db.session.query(Payment).count() == 2


def test_a_csv_statement_is_matched_too(app: Flask, tmp_path: Path) -> None:
    reference, public_id = announce(app, 12_345)
    path = tmp_path / "releve.csv"
    path.write_text(
        f"Date;Libellé;Montant\n{day(2)};PRLV ABONNEMENT;-30,00\n"
        f"{(paris_date(utcnow()) - dt.timedelta(days=2)):%d/%m/%Y};VIR {reference} DURAND;123,45\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert "1 credit(s) read: 1 matched and receipted" in result.output, result.output
    with app.app_context():
        assert (
            db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one().status
            == DonationStatus.PAID
        )


@pytest.mark.parametrize(
    "content",
    [
        b"<Document><nothing/></Document>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Document>&a;</Document>",
        b"<Document",
    ],
)
def test_an_unreadable_or_hostile_statement_is_refused(app: Flask, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert result.exit_code != 0 and "bad.xml" in result.output
    with pytest.raises(StatementUnreadable):
        parse_camt053(content)


def test_a_cancelled_transfer_frees_its_credit_to_be_matched_again(
    app: Flask, tmp_path: Path, finance: FlaskClient
) -> None:
    reference, _public_id = announce(app, 5_000)
    path = tmp_path / "releve.xml"
    path.write_bytes(camt053(entry("50.00", day(1), reference, "DURAND", "E-9")))
    app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    with app.app_context():
        payment_id = db.session.scalars(select(Payment.id)).one()
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    assert (
        finance.post(
            f"/finance/gifts/{payment_id}/cancel",
            data={**form_fields(page.text), "reason": "Mauvais donateur", "confirm": "y"},
        ).status_code
        == 303
    )
    assert wait_for_inline_jobs(app)
    with app.app_context():
        assert db.session.scalars(select(BankCredit)).one().status == BankCreditStatus.UNMATCHED
        assert db.session.scalars(select(Receipt)).one().status.value == "cancelled"


def test_references_survive_what_banks_do_to_them() -> None:
    assert reference_in("VIR SEPA don-7k3m9p2q merci") == "DON-7K3M9P2Q"
    assert reference_in("DON 7K3M 9P2Q") == "DON-7K3M9P2Q"
    assert reference_in("Don pour la recherche") is None


IBAN = "FR7630006000011234567890189"


@pytest.fixture
def giving_app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(WTF_CSRF_ENABLED=False, CHECKOUT_LIMITS=False, FOUNDATION_IBAN=IBAN, FOUNDATION_BIC="AGRIFRPP")


def donate_form(**values: str) -> dict[str, str]:
    return {
        "kind": "one_off",
        "amount": "2500",
        "donor_type": "individual",
        "first_name": "Jeanne",
        "last_name": "Durand",
        "email": "jeanne@example.org",
        "address_line1": "12 rue des Lilas",
        "postal_code": "69003",
        "city": "Lyon",
        "country": "FR",
        "consent": "y",
        "submission_token": "tok-transfer-1",
        **values,
    }


def test_the_donation_form_offers_par_virement_with_the_iban_and_a_unique_reference_then_the_statement_settles_it(
    giving_app: Flask, tmp_path: Path
) -> None:
    browser = giving_app.test_client()
    page = browser.get("/donate?lang=fr")
    assert "Par virement bancaire" in page.text or "par virement" in page.text
    answer = browser.post("/donate", data=donate_form(payment="transfer"))
    assert answer.status_code == 303 and "/donate/transfer/" in answer.headers["Location"]
    again = browser.post("/donate", data=donate_form(payment="transfer"))  # a double submit: the same gift
    assert again.headers["Location"] == answer.headers["Location"]
    shown = browser.get(answer.headers["Location"])
    assert shown.status_code == 200
    text = text_of(shown.text)
    assert "FR76 3000 6000 0112 3456 7890 189" in text and "AGRIFRPP" in text and "2 500,00 €" in text
    with giving_app.app_context():
        donation = db.session.scalars(select(Donation)).one()
        reference = donation.transfer_reference
        assert donation.status == DonationStatus.PENDING and donation.stripe_checkout_session_id is None
    assert reference and reference in text
    path = tmp_path / "releve.xml"
    path.write_bytes(camt053(entry("2500.00", day(0), f"DON {reference}", "DURAND JEANNE", "E-42")))
    result = giving_app.test_cli_runner().invoke(args=["bank", "import", str(path)])
    assert "1 matched and receipted" in result.output, result.output
    assert "Your transfer has been received" in browser.get(answer.headers["Location"] + "?lang=en").text


def test_a_monthly_gift_or_a_form_without_iban_cannot_be_paid_by_transfer(giving_app: Flask, make_app) -> None:  # type: ignore[no-untyped-def]
    browser = giving_app.test_client()
    answer = browser.post("/donate?lang=en", data=donate_form(payment="transfer", kind="monthly", amount="15"))
    assert answer.status_code == 400 and "A monthly gift is paid by card or SEPA direct debit." in answer.text
    plain = make_app(WTF_CSRF_ENABLED=False, CHECKOUT_LIMITS=False).test_client()
    assert "How you pay" not in plain.get("/donate?lang=en").text
    refused = plain.post("/donate?lang=en", data=donate_form(payment="transfer"))
    assert refused.status_code == 400 and "not offered" in refused.text
    with giving_app.app_context():
        assert db.session.query(Donation).count() == 0


def test_the_iban_and_bic_are_checked_at_start_up(make_app) -> None:  # type: ignore[no-untyped-def]
    from donations.config import ConfigError, load_config, validate

    with pytest.raises(ConfigError, match="FOUNDATION_IBAN"):
        load_config({"FOUNDATION_IBAN": "FR7630006000011234567890180"})  # one digit wrong
    with pytest.raises(ConfigError, match="FOUNDATION_BIC"):
        load_config({"FOUNDATION_BIC": "AGRI"})
    config = load_config({"FOUNDATION_IBAN": "fr76 3000 6000 0112 3456 7890 189"})
    assert config["FOUNDATION_IBAN"] == IBAN
    with pytest.raises(ConfigError, match="go together"):
        validate({**config, "SECRET_KEY": "x" * 40})
