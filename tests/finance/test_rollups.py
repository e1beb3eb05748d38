"""The dashboard reads daily rollups: after real flows (Stripe payments, refunds, disputes, monthly renewals,
an offline gift recorded then cancelled) they hold what the payments say, event after event, the dashboard
shows the figures computed straight from the payments, and a rebuild gives the rows the upkeep made."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance.dashboard import dashboard
from donations.models import Donation, DonationKind, FinanceDay, FinanceDonorPeriod, Payment, PaymentStatus
from tests.support.factories import settled_payment
from tests.support.offline_gifts import gift_form
from tests.support.pages import form_fields
from tests.support.recorded_events import Recording
from tests.support.webhook_delivery import deliver

Rows = tuple[dict[tuple[Any, ...], tuple[int, ...]], dict[tuple[Any, ...], int]]


@pytest.fixture
def app(replay: Flask) -> Flask:
    """The recorded gifts, still pending, on a fresh database; the finance browser signs in to it. Their rows
    went in with their ids: on PostgreSQL the sequences move past them, so new donors and gifts can be made."""
    with replay.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("campaign", "donor", "donation"):
                conn.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    return replay


def _succeeded(conn: sa.Connection) -> list[Any]:
    return list(
        conn.execute(
            sa.select(
                Payment.received_on,
                Donation.kind,
                Payment.method,
                Payment.livemode,
                Payment.amount_cents,
                Payment.refunded_cents,
                Donation.donor_id,
                Payment.fee_cents,
            )
            .join(Donation, Donation.id == Payment.donation_id)
            .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on.is_not(None))
        )
    )


def from_payments(app: Flask) -> Rows:
    """The rollups' rows computed straight from the payments, in Python."""
    days: dict[tuple[Any, ...], Counter[str]] = {}
    periods: Counter[tuple[Any, ...]] = Counter()
    with app.app_context(), db.engine.connect() as conn:
        for day, kind, method, livemode, amount, refunded, donor, fee in _succeeded(conn):
            row = days.setdefault((day, kind, method, bool(livemode)), Counter())
            row.update(payments=1, amount=amount, refunded=refunded, refunded_payments=1 if refunded else 0)
            row.update(fee=fee or 0, fee_amount=amount if fee is not None else 0)
            periods[("M", day.replace(day=1), donor)] += 1
            periods[("Y", dt.date(day.year, 1, 1), donor)] += 1
    return (
        {
            k: tuple(c[n] for n in ("payments", "amount", "refunded", "refunded_payments", "fee", "fee_amount"))
            for k, c in days.items()
        },
        dict(periods),
    )


def rollups(app: Flask) -> Rows:
    """The rollups' rows as stored."""
    with app.app_context(), db.engine.connect() as conn:
        days = {
            (r.day, DonationKind(r.kind), r.method, bool(r.livemode)): (
                r.payments,
                r.amount_cents,
                r.refunded_cents,
                r.refunded_payments,
                r.fee_cents,
                r.fee_amount_cents,
            )
            for r in conn.execute(sa.select(FinanceDay.__table__))
        }
        periods = {
            (r.span, r.starts_on, r.donor_id): r.payments for r in conn.execute(sa.select(FinanceDonorPeriod.__table__))
        }
    return days, periods


def deliver_everything(app: Flask, recording: Recording, after_each: Callable[[str], None]) -> None:
    client = app.test_client()
    for lifecycle in recording.lifecycles.values():
        for event in lifecycle.events:
            assert deliver(client, event).status_code == 200
            after_each(f"{lifecycle.name}: {event['type']}")


def offline_gift_recorded_then_cancelled(app: Flask, finance: FlaskClient) -> None:
    page = finance.get("/finance/gifts/new")
    fields = form_fields(page.text)
    form = gift_form(method="transfer", reference="VIR-ROLLUP", cheque_bank="", amount="120,00")
    answer = finance.post("/finance/gifts/new", data={"csrf_token": fields["csrf_token"], "donor": "", **form})
    assert answer.status_code == 303, answer.text
    with app.app_context():
        payment_id = db.session.scalars(sa.select(Payment.id).where(Payment.reference == "VIR-ROLLUP")).one()
    assert rollups(app) == from_payments(app), "offline gift recorded"
    page = finance.get(f"/finance/gifts/{payment_id}/cancel")
    answer = finance.post(
        f"/finance/gifts/{payment_id}/cancel",
        data={**form_fields(page.text), "reason": "Saisi deux fois", "confirm": "y"},
    )
    assert answer.status_code == 303
    assert rollups(app) == from_payments(app), "offline gift cancelled"


def test_after_every_event_and_offline_gift_the_rollups_hold_what_the_payments_say(
    app: Flask, recording: Recording, finance: FlaskClient
) -> None:
    """A recording path that changed a payment without the rollups following fails here, at its event."""
    seen: list[str] = []

    def check(step: str) -> None:
        seen.append(step)
        assert rollups(app) == from_payments(app), step

    deliver_everything(app, recording, check)
    offline_gift_recorded_then_cancelled(app, finance)
    days, _ = rollups(app)
    # The flows did bring money, give some back (refunds, a lost dispute, the cancelled gift) and keep some.
    assert sum(v[0] for v in days.values()) >= 8 and sum(v[2] for v in days.values()) > 0
    assert any(v[3] for k, v in days.items() if k[2].value == "transfer")
    assert any("charge.dispute" in step for step in seen) and any("charge.refunded" in step for step in seen)


def _straight(app: Flask, today: dt.date) -> dict[str, Any]:
    """The dashboard's money figures computed from the payments, as the page computed them before rollups."""
    month, year = today.replace(day=1), dt.date(today.year, 1, 1)
    figures: dict[str, Any] = {"month": Counter(), "year": Counter(), "donors": {"month": set(), "year": set()}}
    with app.app_context(), db.engine.connect() as conn:
        for day, kind, _method, _live, amount, refunded, donor, _fee in _succeeded(conn):
            for name, first in (("month", month), ("year", year)):
                if first <= day <= today:
                    figures[name][DonationKind(kind)] += amount - refunded
                    figures[name]["payments"] += 1
                    figures["donors"][name].add(donor)
    return figures


def test_the_dashboard_shows_the_figures_the_payments_give(
    app: Flask, recording: Recording, finance: FlaskClient
) -> None:
    deliver_everything(app, recording, lambda step: None)
    offline_gift_recorded_then_cancelled(app, finance)
    with app.app_context():
        days = [d for (d, *_rest) in rollups(app)[0]]
        for today in {paris_date(utcnow()), max(days)}:
            shown = dashboard(db.session, today, utcnow())
            expected = _straight(app, today)
            for name, received in (("month", shown.month), ("year", shown.year)):
                assert received.by_kind == {kind: expected[name][kind] for kind in DonationKind}, (name, today)
                assert received.payments == expected[name]["payments"]
                assert received.donors == len(expected["donors"][name])
            assert sum(bar.cents for bar in shown.chart.bars) >= shown.year.total_cents > 0
    page = finance.get("/finance/")
    assert page.status_code == 200


def test_a_rebuild_gives_the_rows_the_upkeep_made(
    app: Flask, recording: Recording, finance: FlaskClient, runner: FlaskCliRunner
) -> None:
    deliver_everything(app, recording, lambda step: None)
    offline_gift_recorded_then_cancelled(app, finance)
    kept = rollups(app)
    with app.app_context(), db.engine.begin() as conn:  # rows damaged by hand, as a repair would find them
        conn.execute(sa.update(FinanceDay.__table__).values(amount_cents=FinanceDay.amount_cents + 1))
        conn.execute(sa.delete(FinanceDonorPeriod.__table__))
    result = runner.invoke(args=["finance", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "day row(s)" in result.output
    assert rollups(app) == kept
    first = min(day for day, *_ in kept[0])
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.delete(FinanceDay.__table__).where(FinanceDay.day >= first))
    result = runner.invoke(args=["finance", "rebuild-rollups", "--from", first.isoformat()])
    assert result.exit_code == 0, result.output
    assert rollups(app) == kept


def test_a_rebuild_from_a_day_leaves_the_days_before_it(app: Flask, runner: FlaskCliRunner) -> None:
    december, february = dt.date(2025, 12, 30), dt.date(2026, 2, 3)
    with app.app_context():
        for day in (december, february):
            settled_payment(db.session, 4000, received_at=dt.datetime.combine(day, dt.time(10), dt.UTC))
        db.session.commit()
    kept = rollups(app)
    assert len(kept[0]) == 2 and len(kept[1]) == 4
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.update(FinanceDay.__table__).values(payments=7))
    assert runner.invoke(args=["finance", "rebuild-rollups", "--from", "2026-01-15"]).exit_code == 0
    days, periods = rollups(app)
    by_day = {key[0]: value for key, value in days.items()}
    assert by_day[february] == {key[0]: value for key, value in kept[0].items()}[february]
    assert by_day[december][0] == 7  # before the day: left alone
    assert periods == kept[1]


def test_the_migration_fills_the_rollups_from_the_payments_already_stored(app: Flask) -> None:
    with app.app_context():
        for day, kind in ((dt.date(2025, 12, 31), DonationKind.ONE_OFF), (dt.date(2026, 1, 2), DonationKind.MONTHLY)):
            payment = settled_payment(db.session, 6000, kind, received_at=dt.datetime.combine(day, dt.time(10), dt.UTC))
            payment.fee_cents = 90
        payment.refunded_cents = 2000
        db.session.commit()
        made = rollups(app)
        assert made == from_payments(app) and len(made[0]) == 2
        downgrade(revision="8d5c2f4a9e17")
        assert "finance_day" not in sa.inspect(db.engine).get_table_names()
        upgrade()
    assert rollups(app) == made
