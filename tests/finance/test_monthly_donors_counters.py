"""The monthly-donors report reads counters kept per month: after every change of a varied history (payments
that succeed, fail, are refunded, moved or deleted; gifts that lapse, resume and stop; live and test money;
Paris days around midnight) and after every Stripe event of the recorded lifecycles, its figures are those
the payments, donations and events give, and a rebuild gives the rows the upkeep made."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance.reports import report
from donations.finance.rollups import rebuild
from donations.models import (
    DonationKind,
    DonationStatus,
    EventOutcome,
    MonthlyDonorsMonth,
    MonthlyGiftMonth,
    MonthlyGiftStop,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StripeEvent,
)
from tests.support.factories import settled_payment
from tests.support.monthly_donors_history import monthly_donors_from_history
from tests.support.recorded_events import Recording
from tests.support.webhook_delivery import deliver

UTC = dt.UTC
Stored = tuple[set[tuple[Any, ...]], ...]


def _at(year: int, month: int, day: int = 5, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def stored() -> Stored:
    """The counters' rows, and each gift's months and stop, as kept."""
    with db.engine.connect() as conn:
        return tuple(
            {tuple(row) for row in conn.execute(sa.select(model.__table__))}
            for model in (MonthlyDonorsMonth, MonthlyGiftMonth, MonthlyGiftStop)
        )


def years_of_history() -> set[int]:
    with db.engine.connect() as conn:
        days = conn.scalars(sa.select(Payment.received_on).where(Payment.received_on.is_not(None))).all()
        stopped = conn.scalars(sa.select(MonthlyGiftStop.month)).all()
    return {d.year for d in [*days, *stopped] if d} | {utcnow().year}


def check(step: str) -> None:
    """The report's figures are the history's, each year, and a rebuild makes the rows the flush made."""
    session = db.session
    for year in sorted(years_of_history()):
        shown = report(session, "monthly-donors", year)
        assert list(shown.rows) == monthly_donors_from_history(session, year), (step, year)
    kept = stored()
    rebuild(session)
    session.commit()
    assert stored() == kept, step


def _renewal(first: Payment, at: dt.datetime, **values: Any) -> Payment:
    """Another payment of `first`'s monthly gift, received at `at` (a succeeded card payment unless told)."""
    later = Payment(
        donation=first.donation,
        amount_cents=first.amount_cents,
        refunded_cents=0,
        method=PaymentMethod.CARD,
        status=PaymentStatus.SUCCEEDED,
        received_at=at,
        received_on=paris_date(at),
    )
    for name, value in values.items():
        setattr(later, name, value)
    db.session.add(later)
    db.session.commit()
    return later


def test_a_varied_history_gives_the_figures_the_history_gives(app: Flask) -> None:
    with app.app_context():
        session = db.session
        # A monthly gift paid January and February, lapsed in March, resumed April to June.
        resumed = settled_payment(session, 1500, DonationKind.MONTHLY, _at(2025, 1))
        session.commit()
        check("first payment")
        for month in (2, 4, 5, 6):
            _renewal(resumed, _at(2025, month))
            check(f"renewal {month}")
        # Its June payment given back in full: a refunded payment still came in that month.
        june = session.scalars(sa.select(Payment).where(Payment.received_on == dt.date(2025, 6, 5))).one()
        june.refunded_cents = june.amount_cents
        session.commit()
        check("refund")
        # Another, paid in test money (livemode off) then live, one at 00:30 in Paris on 1 February (UTC: 31 January).
        mixed = settled_payment(session, 2000, DonationKind.MONTHLY, _at(2025, 1, 10))
        mixed.livemode, mixed.donation.livemode = False, False
        session.commit()
        _renewal(mixed, _at(2025, 1, 31, 23, 30), livemode=True)
        check("Paris midnight")
        # A renewal that fails, then a retried debit that succeeds two months on.
        failed = _renewal(mixed, _at(2025, 3, 3), status=PaymentStatus.FAILED, received_on=None, received_at=None)
        check("failed payment")
        assert failed.move_to(PaymentStatus.SUCCEEDED)
        failed.received_at, failed.received_on = _at(2025, 4, 2), dt.date(2025, 4, 2)
        session.commit()
        check("retried payment succeeds")
        # New Year's Eve at 23:30 UTC is 1 January in Paris: next year's first month.
        _renewal(mixed, _at(2025, 12, 31, 23, 30))
        check("new year")
        # Stopped by Stripe on 30 June at 22:30 UTC, 1 July in Paris.
        resumed.donation.status = DonationStatus.CANCELLED
        session.add(
            StripeEvent(
                stripe_id="evt_stopped",
                type="customer.subscription.deleted",
                created=_at(2025, 6, 30, 22, 30),
                payload={},
                outcome=EventOutcome.APPLIED,
                donation_id=resumed.donation.id,
            )
        )
        session.commit()
        check("stopped by Stripe")
        # A monthly gift never paid, stopped without an event: its last change dates it.
        unpaid = settled_payment(session, 900, DonationKind.MONTHLY, _at(2025, 2))
        session.refresh(unpaid)  # the dashboard's upkeep reads a deleted payment's figures from it, not the table
        gift = unpaid.donation
        session.delete(unpaid)
        session.commit()
        check("a payment deleted")
        gift.status = DonationStatus.CANCELLED
        session.commit()
        check("stopped without an event")
        gift.updated_at = _at(2025, 9, 30, 22, 30)
        session.commit()
        check("a later change moves the stop")
        # A payment moved to another gift, another moved a month back; one-off gifts count nowhere.
        moved = session.scalars(sa.select(Payment).where(Payment.received_on == dt.date(2025, 5, 5))).one()
        moved.donation = mixed.donation
        session.commit()
        check("payment moved to another gift")
        moved.received_on = dt.date(2024, 12, 20)
        session.commit()
        check("payment moved a month back")
        settled_payment(session, 5000, DonationKind.ONE_OFF, _at(2025, 3))
        session.commit()
        check("one-off gift")
        shown = dict(report(session, "monthly-donors", 2025).rows)
        assert shown[dt.date(2025, 3, 1)] == (0, 0, 2, 0)  # both gifts lapsed in March
        # February: the first gift, and the second by its payment of 00:30 on 1 February in Paris.
        assert shown[dt.date(2025, 7, 1)][3] == 1 and shown[dt.date(2025, 2, 1)][0] == 2


def test_after_every_stripe_event_the_figures_are_the_historys(replay: Flask, recording: Recording) -> None:
    """Renewals, a declined one, a refunded one, a cancelled subscription, a last retry that fails."""
    client = replay.test_client()
    with replay.app_context():
        for lifecycle in recording.lifecycles.values():
            for stripe_event in lifecycle.events:
                assert deliver(client, stripe_event).status_code == 200
                check(f"{lifecycle.name}: {stripe_event['type']}")
        rows = stored()
        assert rows[0] and rows[2], "the lifecycles have monthly gifts, one stopped"
        year = utcnow().year
        assert sum(r.giving for r in db.session.scalars(sa.select(MonthlyDonorsMonth))) >= 4, year


def test_the_csv_and_the_command_read_and_rebuild_the_counters(
    app: Flask, finance: FlaskClient, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        first = settled_payment(db.session, 1500, DonationKind.MONTHLY, _at(2025, 1))
        db.session.commit()
        _renewal(first, _at(2025, 3))
        with db.engine.begin() as conn:  # damaged by hand, as a repair would find them
            conn.execute(sa.delete(MonthlyGiftMonth.__table__))
            conn.execute(sa.update(MonthlyDonorsMonth.__table__).values(giving=7))
    result = runner.invoke(args=["finance", "rebuild-rollups", "--from", "2025-03-01"])
    assert result.exit_code == 0, result.output
    assert "month(s) of monthly donors rebuilt" in result.output
    answer = finance.get("/finance/reports/monthly-donors.csv?year=2025")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[1:5] == [["2025-01", "1", "1", "0", "0"], ["2025-02", "0", "0", "1", "0"]] + [
        ["2025-03", "1", "0", "0", "0"],
        ["2025-04", "0", "0", "1", "0"],
    ]
