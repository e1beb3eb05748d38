"""The FEC of a year of mixed gifts: the file's format read back, every entry balanced, and its gift
accounts in agreement with the art. 222 bis totals of the receipts issued that year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from donations.extensions import db
from donations.fulfilment.payouts import record_reversal
from donations.models import DonationKind, Payment, PaymentMethod, Payout, PayoutLine, TaxScheme
from receipts.annual import issue_recaps
from receipts.declaration import declaration_for
from receipts.issuing import follow_refund, issue_for_payment
from tests.support.factories import issuing_context, make_company_gift, settled_payment
from tests.support.fec_reader import HEADER, balance, entries, read_fec
from tests.support.pages import text_of

UTC = dt.UTC


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=UTC)


def _gift(
    session: Session,
    cents: int,
    at: dt.datetime,
    *,
    kind: DonationKind = DonationKind.ONE_OFF,
    fee: int | None = None,
    method: PaymentMethod = PaymentMethod.CARD,
    company: bool = False,
    livemode: bool = True,
    receipt: bool = True,
) -> Payment:
    payment = settled_payment(session, cents, kind, at)
    payment.livemode = payment.donation.livemode = livemode
    payment.method = method
    payment.stripe_payment_intent_id = f"pi_fec_{payment.id}"
    payment.fee_cents, payment.net_cents = fee, (cents - fee if fee is not None else None)
    if kind == DonationKind.IFI:
        payment.donation.tax_scheme = TaxScheme.IFI
    if company:
        make_company_gift(payment)
    session.flush()
    if receipt and kind != DonationKind.MONTHLY:
        issue_for_payment(session, payment, issuing_context(at))
    return payment


def _give_back(session: Session, payment: Payment, cents: int, at: dt.datetime, lost_dispute: bool = False) -> None:
    """What fulfilment does on charge.refunded or a lost dispute."""
    if lost_dispute:
        payment.disputed, payment.dispute_status = True, "lost"
    record_reversal(session, payment, cents, at)
    payment.refunded_cents += cents
    session.flush()
    follow_refund(session, payment, issuing_context(at), "Litige perdu" if lost_dispute else "Remboursement")


def _payout(
    session: Session, stripe_id: str, arrival: dt.date, lines: list[tuple[str, int, int, Payment | None, dt.datetime]]
) -> None:
    payout = Payout(
        stripe_payout_id=stripe_id,
        amount_cents=sum(a - f for _, a, f, _, _ in lines),
        status="paid",
        arrival_on=arrival,
        created_at=_at(arrival.year, arrival.month, arrival.day),
        livemode=True,
    )
    for i, (kind, amount, fee, payment, at) in enumerate(lines):
        payout.lines.append(
            PayoutLine(
                stripe_balance_transaction_id=f"txn_{stripe_id}_{i}",
                type=kind,
                amount_cents=amount,
                fee_cents=fee,
                net_cents=amount - fee,
                payment=payment,
                booked_at=at,
            )
        )
    session.add(payout)
    session.flush()


def _a_year_of_one_off_gifts(session: Session, year: int) -> None:
    """Card, SEPA, IFI and company gifts, a partial refund, a full refund, a dispute lost, all paid out; test money beside."""
    card = _gift(session, 10000, _at(year, 2, 3), fee=175)
    sepa = _gift(session, 25000, _at(year, 3, 9), fee=35, method=PaymentMethod.SEPA_DEBIT)
    ifi = _gift(session, 100000, _at(year, 5, 20), kind=DonationKind.IFI, fee=1525)
    company = _gift(session, 500000, _at(year, 6, 1), fee=7525, company=True)
    partly = _gift(session, 10000, _at(year, 7, 1), fee=175)
    _give_back(session, partly, 4000, _at(year, 7, 15))
    wholly = _gift(session, 3000, _at(year, 8, 1), fee=70)
    _give_back(session, wholly, 3000, _at(year, 8, 2))
    disputed = _gift(session, 5000, _at(year, 9, 1), fee=100)
    _give_back(session, disputed, 5000, _at(year, 10, 1), lost_dispute=True)
    _gift(session, 7700, _at(year, 9, 2), fee=141, livemode=False)  # test mode: in no FEC, on no 222 bis total
    stamp = _at(year, 11, 1)
    _payout(
        session,
        f"po_{year}",
        dt.date(year, 11, 3),
        [
            ("charge", 10000, 175, card, stamp),
            ("charge", 25000, 35, sepa, stamp),
            ("charge", 100000, 1525, ifi, stamp),
            ("charge", 500000, 7525, company, stamp),
            ("charge", 10000, 175, partly, stamp),
            ("refund", -4000, 0, partly, stamp),
            ("charge", 3000, 70, wholly, stamp),
            ("refund", -3000, 0, wholly, stamp),
            ("charge", 5000, 100, disputed, stamp),
            ("adjustment", -5000, 1500, disputed, stamp),
        ],
    )
    session.commit()


def _fec(runner: FlaskCliRunner, tmp_path: Path, year: int, *extra: str) -> tuple[str, str]:
    output = tmp_path / f"fec-{year}.txt"
    result = runner.invoke(args=["accounting", "fec", "--year", str(year), "--output", str(output), *extra])
    assert result.exit_code == 0, result.output
    return output.read_bytes().decode("utf-8"), result.output


def test_the_fec_of_a_year_of_mixed_gifts_is_balanced_and_agrees_with_the_222_bis_total(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        _a_year_of_one_off_gifts(db.session, 2025)
        declared = declaration_for(db.session, 2025).amount_cents
    text, said = _fec(runner, tmp_path, 2025)

    assert text.startswith(HEADER + "\r\n")
    lines = read_fec(text)
    grouped = entries(lines)
    assert sorted(grouped) == list(range(1, len(grouped) + 1))
    for number, entry in grouped.items():
        assert sum(line.debit_cents for line in entry) == sum(line.credit_cents for line in entry) > 0, number
        assert len({(line.journal, line.date, line.piece_ref) for line in entry}) == 1
    assert all(line.date.startswith("2025") for line in lines)
    assert [line.date for line in lines] == sorted(line.date for line in lines)

    gifts = [line for line in lines if line.account in ("7541", "7542")]
    revenue, reversals = sum(line.credit_cents for line in gifts), sum(line.debit_cents for line in gifts)
    assert revenue == 10000 + 25000 + 100000 + 500000 + 10000 + 3000 + 5000
    assert reversals == 4000 + 3000 + 5000
    assert revenue - reversals == declared == 641000
    assert -balance(lines, "7542") == 500000  # the company's gift is mécénat
    assert balance(lines, "627") == 175 + 35 + 1525 + 7525 + 175 + 70 + 100 + 1500  # fees, the lost dispute's too
    assert balance(lines, "5118") == 0  # the payout emptied the Stripe balance into the bank
    assert balance(lines, "512") == 641000 - 11105 == 629895
    assert "unexplained difference 0,00" in said.replace("\u00a0", " ")
    # A refund's entry names the receipt of its gift, debits the gift account, credits the Stripe balance.
    [refund] = [line for line in gifts if line.debit_cents == 4000]
    assert refund.label.startswith("Remboursement") and refund.piece_ref.startswith("2025-")


def test_test_mode_money_is_in_the_fec_only_when_asked_for_and_then_agrees_with_the_specimens(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        _a_year_of_one_off_gifts(db.session, 2025)
        with_specimens = declaration_for(db.session, 2025, include_specimens=True).amount_cents
    lines = read_fec(_fec(runner, tmp_path, 2025, "--include-test")[0])
    gifts = [line for line in lines if line.account == "7541"]
    assert 7700 in [line.credit_cents for line in gifts]
    revenue = sum(line.credit_cents - line.debit_cents for line in lines if line.account in ("7541", "7542"))
    assert revenue == with_specimens == 641000 + 7700


def test_monthly_gifts_are_receipted_the_next_january_and_the_check_names_that_difference(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    with app.app_context():
        first = _gift(db.session, 3000, _at(2024, 11, 5), kind=DonationKind.MONTHLY, fee=70)
        donor = first.donation.donor
        for month in (1, 2, 3):  # the same monthly gift, 2025
            payment = settled_payment(db.session, 3000, DonationKind.MONTHLY, _at(2025, month, 5), donor=donor)
            payment.livemode, payment.donation = True, first.donation
        db.session.flush()
        issue_recaps(db.session, 2024, [donor.id], issuing_context(_at(2025, 1, 10)))  # January 2025: the 2024 recap
        _gift(db.session, 20000, _at(2025, 4, 1), fee=325)
        db.session.commit()
        assert declaration_for(db.session, 2025).amount_cents == 3000 + 20000
    lines = read_fec(_fec(runner, tmp_path, 2025)[0])
    net = -balance(lines, "7541")
    assert net == 3 * 3000 + 20000
    # Books 29 000 = receipts 23 000 − the 2024 recap 3 000 + the 2025 months awaiting their recap 9 000.
    with app.app_context():
        from donations.finance.fec import books_and_receipts
        from donations.finance.ledger import Chart

        check = books_and_receipts(db.session, Chart(), 2025)
    assert (check.net_cents, check.declared_cents, check.receipted_later_cents, check.earlier_receipts_cents) == (
        29000,
        23000,
        9000,
        3000,
    )
    assert check.unexplained_cents == 0


def test_the_accounts_are_settings(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ACCOUNT_INDIVIDUAL_GIFTS="75410", ACCOUNT_STRIPE="5170")
    with app.app_context():
        _gift(db.session, 10000, _at(2025, 2, 3), fee=175)
        db.session.commit()
    lines = read_fec(_fec(app.test_cli_runner(), tmp_path, 2025)[0])
    assert {line.account for line in lines} == {"75410", "5170", "627"}


def test_a_year_without_gifts_gives_the_header_alone(runner: FlaskCliRunner, tmp_path: Path) -> None:
    assert _fec(runner, tmp_path, 2019)[0] == HEADER + "\r\n"


def test_a_bad_year_or_output_is_refused_with_a_message(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["accounting", "fec", "--year", "20x5", "--output", str(tmp_path / "f.txt")])
    assert result.exit_code == 2 and "--year" in result.output
    result = runner.invoke(
        args=["accounting", "fec", "--year", "2025", "--output", str(tmp_path / "missing" / "f.txt")]
    )
    assert result.exit_code == 1 and "cannot write" in result.output


def test_finance_downloads_the_fec_and_the_download_is_audited(app: Flask, finance: FlaskClient) -> None:
    with app.app_context():
        _a_year_of_one_off_gifts(db.session, 2025)
    page = finance.get("/finance/accounting?year=2025&lang=fr")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Écritures comptables (FEC)" in shown and "6 410,00" in shown.replace("\u202f", " ")
    answer = finance.get("/finance/accounting/fec?year=2025")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="000000000FEC20251231.txt"'
    assert len(read_fec(answer.get_data(as_text=True))) > 10
    audit = text_of(finance.get("/finance/audit?lang=en").text)
    assert "FEC downloaded" in audit
    assert finance.get("/finance/accounting/fec?year=abc").status_code == 400


def test_an_account_that_is_not_a_number_of_the_chart_or_used_twice_stops_start_up() -> None:
    import pytest

    from donations.config import ConfigError, load_config, validate

    base = {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"}
    validate(load_config(base))  # the defaults start
    with pytest.raises(ConfigError, match="ACCOUNT_BANK must be an account number of the chart"):
        validate(load_config({**base, "ACCOUNT_BANK": "51x"}))
    with pytest.raises(ConfigError, match="must all differ"):
        validate(load_config({**base, "ACCOUNT_STRIPE": "512"}))
