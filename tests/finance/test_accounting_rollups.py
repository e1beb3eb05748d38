"""The accounting page reads rollups, and they give the figures the FEC gives: over two years of people's and
companies' gifts, refunds dated and undated, a lost dispute, fees, payouts, test money, monthly gifts
recapped in January and gifts on either side of Paris midnight, each year's check and each gift account
read from the rollups equal those read off the whole FEC, the streamed download is the FEC's bytes, and a
rebuild gives the rows the flush kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade
from sqlalchemy.orm import Session

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance.books_rollups import books_of_year
from donations.finance.fec import books_and_receipts, fec_text
from donations.finance.fec_stream import fec_chunks
from donations.finance.ledger import Chart, entries_of_year
from donations.fulfilment.payouts import record_reversal
from donations.models import (
    Donation,
    DonationKind,
    FinanceBookDay,
    FinanceDonationStatus,
    FinanceDonorPeriod,
    FinancePeriodDonors,
    FinanceReceiptYear,
    Payment,
    PaymentStatus,
    Payout,
    PayoutLine,
)
from receipts.annual import issue_recaps
from receipts.issuing import follow_refund, issue_for_payment
from tests.support.factories import issuing_context, make_company_gift, settled_payment
from tests.support.offline_gifts import gift_form
from tests.support.pages import form_fields, text_of

UTC = dt.UTC
TODAY = paris_date(utcnow())


def _at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def _gift(
    session: Session,
    cents: int,
    at: dt.datetime,
    *,
    kind: DonationKind = DonationKind.ONE_OFF,
    company: bool = False,
    livemode: bool = True,
    fee: int | None = None,
    receipt: bool = True,
) -> Payment:
    payment = settled_payment(session, cents, kind, at)
    payment.livemode = payment.donation.livemode = livemode
    payment.stripe_payment_intent_id = f"pi_books_{payment.id}"
    payment.fee_cents = fee
    session.flush()
    if company:  # the gift becomes a company's after it was recorded: the flush moves it to mécénat
        make_company_gift(payment)
        session.flush()
    if receipt and kind != DonationKind.MONTHLY:
        issue_for_payment(session, payment, issuing_context(at))
    return payment


def _give_back(session: Session, payment: Payment, cents: int, at: dt.datetime, *, dated: bool = True) -> None:
    """A refund as fulfilment records it (dated), or as recorded before reversals were (undated)."""
    if dated:
        record_reversal(session, payment, cents, at)
    payment.refunded_cents += cents
    session.flush()
    follow_refund(session, payment, issuing_context(at), "Remboursement")


def _history(session: Session) -> None:
    person = _gift(session, 10000, _at(2025, 2, 3), fee=175)
    company = _gift(session, 500000, _at(2025, 6, 1), company=True, fee=7525)
    _gift(session, 4000, _at(2025, 12, 31, 22, 30))  # 23:30 in Paris: a 2025 gift
    _gift(session, 6000, _at(2025, 12, 31, 23, 30))  # 00:30 on 1 January in Paris: a 2026 gift
    _gift(session, 7700, _at(2025, 9, 2), livemode=False, fee=141)  # test money
    monthly = _gift(session, 3000, _at(2025, 11, 5), kind=DonationKind.MONTHLY)
    donor = monthly.donation.donor
    for month in (12,):
        later = settled_payment(session, 3000, DonationKind.MONTHLY, _at(2025, month, 5), donor=donor)
        later.livemode, later.donation = True, monthly.donation
    session.flush()
    # Given back on 1 January in Paris (23:10 UTC on 31 December): a reversal of 2026 on a 2025 gift.
    _give_back(session, person, 2500, _at(2025, 12, 31, 23, 10))
    issue_recaps(session, 2025, [donor.id], issuing_context(_at(2026, 1, 10)))
    _give_back(session, company, 100000, _at(2026, 2, 1))  # the company's gift, partly, in the next year
    legacy = _gift(session, 8000, _at(2025, 7, 1))
    _give_back(session, legacy, 3000, _at(2026, 3, 1), dated=False)  # undated: on its receipt's cancellation
    disputed = _gift(session, 5000, _at(2026, 4, 1), company=True, fee=100)
    disputed.disputed, disputed.dispute_status = True, "lost"
    _give_back(session, disputed, 5000, _at(2026, 5, 1))
    for month in (1, 2):  # 2026's monthly gifts: receipted next January
        later = settled_payment(session, 3000, DonationKind.MONTHLY, _at(2026, month, 5), donor=donor)
        later.livemode, later.donation = True, monthly.donation
    payout = Payout(
        stripe_payout_id="po_books",
        amount_cents=500000 - 7525 - 1500,
        status="paid",
        arrival_on=dt.date(2026, 1, 2),
        created_at=_at(2026, 1, 1),
        livemode=True,
    )
    payout.lines.append(
        PayoutLine(
            stripe_balance_transaction_id="txn_books_0",
            type="adjustment",
            amount_cents=-1500,
            fee_cents=1500,
            net_cents=-3000,
            booked_at=_at(2025, 12, 31, 23, 45),  # a fee of 1 January in Paris
        )
    )
    session.add(payout)
    session.commit()


def _offline_gift_recorded_then_cancelled(app: Flask, finance: FlaskClient) -> None:
    fields = form_fields(finance.get("/finance/gifts/new").text)
    form = gift_form(method="transfer", reference="VIR-BOOKS", cheque_bank="", amount="90,00")
    answer = finance.post("/finance/gifts/new", data={"csrf_token": fields["csrf_token"], "donor": "", **form})
    assert answer.status_code == 303, answer.text
    with app.app_context():
        payment_id = db.session.scalars(sa.select(Payment.id).where(Payment.reference == "VIR-BOOKS")).one()
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    answer = finance.post(
        f"/finance/gifts/{payment_id}/cancel", data={**form_fields(page.text), "reason": "Doublon", "confirm": "y"}
    )
    assert answer.status_code == 303


def _accounts_in_the_fec(session: Session, year: int, include_test: bool) -> dict[bool, tuple[int, int]]:
    chart = Chart()
    found = {False: [0, 0], True: [0, 0]}
    for entry in entries_of_year(session, chart, year, include_test):
        for line in entry.lines:
            if line.account in (chart.individual_gifts, chart.company_gifts):
                totals = found[line.account == chart.company_gifts]
                totals[0] += line.credit_cents
                totals[1] += line.debit_cents
    return {company: (credited, debited) for company, (credited, debited) in found.items()}


def rollup_rows(app: Flask) -> dict[str, set[tuple[Any, ...]]]:
    with app.app_context(), db.engine.connect() as conn:
        return {
            model.__tablename__: {tuple(row) for row in conn.execute(sa.select(model.__table__))}
            for model in (FinanceBookDay, FinanceReceiptYear, FinancePeriodDonors, FinanceDonationStatus)
        }


def counted_from_periods(app: Flask) -> set[tuple[Any, ...]]:
    """The donors per month and year counted straight from the donor period rows."""
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(FinanceDonorPeriod.span, FinanceDonorPeriod.starts_on, sa.func.count()).group_by(
                FinanceDonorPeriod.span, FinanceDonorPeriod.starts_on
            )
        )
        return {(span.value if hasattr(span, "value") else span, starts_on, count) for span, starts_on, count in rows}


def counted_statuses(app: Flask) -> set[tuple[Any, ...]]:
    """The donations per kind and status counted straight from the donations."""
    with app.app_context(), db.engine.connect() as conn:
        query = sa.select(Donation.kind, Donation.status, sa.func.count(), sa.func.sum(Donation.amount_cents))
        return set(map(tuple, conn.execute(query.group_by(Donation.kind, Donation.status))))


def test_the_page_gives_the_fecs_figures_and_the_download_its_bytes(
    app: Flask, finance: FlaskClient, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        _history(db.session)
    _offline_gift_recorded_then_cancelled(app, finance)
    with app.app_context():
        for year in (2025, 2026, TODAY.year):
            for include_test in (False, True):
                check, accounts = books_of_year(db.session, year, include_test)
                assert check == books_and_receipts(db.session, Chart(), year, include_test), (year, include_test)
                in_fec = _accounts_in_the_fec(db.session, year, include_test)
                assert {a.company: (a.credited_cents, a.reversed_cents) for a in accounts} == in_fec
                streamed = b"".join(fec_chunks(db.session, Chart(), year, include_test))
                assert streamed == fec_text(db.session, Chart(), year, include_test).encode("utf-8")
        check_2025, accounts_2025 = books_of_year(db.session, 2025)
        check_2026, accounts_2026 = books_of_year(db.session, 2026)
        with_test = books_of_year(db.session, 2025, True)[0]
    # The history does reach every figure: both accounts, each timing difference, the boundary.
    assert accounts_2025[1].credited_cents == 500000 and accounts_2026[1].reversed_cents == 100000 + 5000
    assert check_2025.revenue_cents == 10000 + 500000 + 4000 + 3000 + 3000 + 8000
    # Refunded in 2026, the 2025 gifts kept their money on receipts of 2026 (replacements), as the monthly
    # gifts on January's recap.
    replaced = 7500 + 400000 + 5000
    assert check_2025.receipted_later_cents == replaced + 6000 == check_2026.earlier_receipts_cents
    assert check_2026.earlier_reversals_cents == 2500 + 100000 + 3000
    assert check_2026.receipted_later_cents >= 6000 and check_2026.revenue_cents >= 6000 + 5000 + 6000
    assert with_test.revenue_cents == check_2025.revenue_cents + 7700
    page = finance.get("/finance/accounting?year=2026&lang=fr")
    shown = text_of(page.text).replace("\u202f", " ").replace("\u00a0", " ")
    # Each account's net for 2026: 120 received and 55 given back; 50 received and 1 050 given back.
    assert page.status_code == 200 and "dont dons des particuliers (compte 7541) 65,00 €" in shown
    assert "dont mécénat des entreprises (compte 7542) -1 000,00 €" in shown
    download = finance.get("/finance/accounting/fec?year=2026").get_data()
    with app.app_context():
        assert download == fec_text(db.session, Chart(), 2026).encode("utf-8")

    kept = rollup_rows(app)
    assert set(kept["finance_period_donors"]) == counted_from_periods(app)
    assert kept["finance_donation_status"] == counted_statuses(app)
    # Four monthly gifts of 30 run (each monthly payment above was made with a gift of its own); the offline
    # gift moved to refunded when it was cancelled.
    assert {("monthly", "active", 4, 12000), ("one_off", "refunded", 1, 9000)} <= kept["finance_donation_status"]
    with app.app_context(), db.engine.begin() as conn:  # damaged by hand, as a repair would find them
        conn.execute(sa.delete(FinanceBookDay.__table__))
        conn.execute(sa.update(FinanceReceiptYear.__table__).values(declared_cents=1))
        conn.execute(sa.update(FinancePeriodDonors.__table__).values(donors=99))
        conn.execute(sa.delete(FinanceDonationStatus.__table__))
    assert runner.invoke(args=["finance", "rebuild-rollups"]).exit_code == 0
    assert rollup_rows(app) == kept
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.delete(FinanceBookDay.__table__).where(FinanceBookDay.day >= dt.date(2026, 1, 1)))
        conn.execute(sa.delete(FinanceReceiptYear.__table__).where(FinanceReceiptYear.year >= 2026))
    assert runner.invoke(args=["finance", "rebuild-rollups", "--from", "2026-01-01"]).exit_code == 0
    assert rollup_rows(app) == kept


def test_a_donor_gone_from_a_period_leaves_its_count(app: Flask) -> None:
    november = _at(2026, 11, 3)
    with app.app_context():
        first = settled_payment(db.session, 2000, received_at=november)
        settled_payment(db.session, 2500, received_at=november, donor=first.donation.donor)  # the same donor again
        settled_payment(db.session, 3000, received_at=november)
        db.session.commit()
    assert ("M", dt.date(2026, 11, 1), 2) in rollup_rows(app)["finance_period_donors"]
    with app.app_context():
        for payment in db.session.scalars(sa.select(Payment).order_by(Payment.id)).all()[:2]:
            payment.status = PaymentStatus.FAILED  # the first donor's payments no longer count
            db.session.commit()
    rows = rollup_rows(app)["finance_period_donors"]
    assert rows == counted_from_periods(app) and ("Y", dt.date(2026, 1, 1), 1) in rows


def test_the_migration_fills_the_accounting_rollups_from_the_rows_already_stored(
    app: Flask, finance: FlaskClient
) -> None:
    with app.app_context():
        _history(db.session)
    _offline_gift_recorded_then_cancelled(app, finance)
    kept = rollup_rows(app)
    assert all(kept.values())
    with app.app_context():
        downgrade(revision="c4e8a1f2b905")
        assert "finance_book_day" not in sa.inspect(db.engine).get_table_names()
        upgrade()
    assert rollup_rows(app) == kept
