"""One annual recap per donor and ended year: never for a year not over, never two for one gift and year."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, select, text

from donations.clock import paris_date
from donations.models import DonationKind, Payment, PaymentMethod, PaymentStatus, Receipt, ReceiptStatus
from donations.receipting.batch import plan
from receipts.annual import YearNotEnded, donors_due, issue_recaps
from tests.support.factories import issuing_context, settled_payment

JANUARY = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def _monthly(db, months: range) -> Payment:  # type: ignore[no-untyped-def]
    """A monthly gift paid on the 5th of each of these months of 2025."""
    first = settled_payment(db.session, 1500, DonationKind.MONTHLY, dt.datetime(2025, months[0], 5, 9, tzinfo=dt.UTC))
    for month in months[1:]:
        at = dt.datetime(2025, month, 5, 9, tzinfo=dt.UTC)
        db.session.add(
            Payment(
                donation=first.donation,
                amount_cents=1500,
                method=PaymentMethod.SEPA_DEBIT,
                status=PaymentStatus.SUCCEEDED,
                received_at=at,
                received_on=paris_date(at),
            )
        )
    db.session.flush()
    return first


def test_a_year_not_over_in_paris_gets_no_recap(db) -> None:  # type: ignore[no-untyped-def]
    _monthly(db, range(1, 13))
    new_years_eve = dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris
    with pytest.raises(YearNotEnded, match="2025 has not ended"):
        issue_recaps(db.session, 2025, donors_due(db.session, 2025), issuing_context(new_years_eve))
    assert db.session.scalars(select(Receipt)).all() == []
    just_after = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 January in Paris
    assert len(issue_recaps(db.session, 2025, donors_due(db.session, 2025), issuing_context(just_after))) == 1


def test_a_debit_of_a_recapped_year_settling_late_replaces_the_recap_instead_of_adding_one(db) -> None:  # type: ignore[no-untyped-def]
    first = _monthly(db, range(1, 12))  # January to November settled
    ctx = issuing_context(JANUARY)
    (recap,) = issue_recaps(db.session, 2025, donors_due(db.session, 2025), ctx)
    db.session.commit()
    assert recap.receipt.amount_cents == 11 * 1500

    # December's SEPA debit of 2025 settles in January.
    at = dt.datetime(2025, 12, 5, 9, tzinfo=dt.UTC)
    db.session.add(
        Payment(
            donation=first.donation,
            amount_cents=1500,
            method=PaymentMethod.SEPA_DEBIT,
            status=PaymentStatus.SUCCEEDED,
            received_at=at,
            received_on=paris_date(at),
        )
    )
    db.session.commit()
    (replacement,) = issue_recaps(
        db.session, 2025, donors_due(db.session, 2025), issuing_context(JANUARY + dt.timedelta(days=3))
    )
    db.session.commit()

    issued = db.session.scalars(select(Receipt).where(Receipt.status == ReceiptStatus.ISSUED)).all()
    assert [r.number for r in issued] == [replacement.receipt.number]
    assert (replacement.receipt.amount_cents, len(replacement.receipt.snapshot["payments"])) == (12 * 1500, 12)
    old = db.session.get(Receipt, recap.receipt.id)
    assert old is not None and old.status == ReceiptStatus.CANCELLED and old.cancel_reason.startswith("Remplacé")
    assert replacement.receipt.replaces_id == old.id
    assert replacement.receipt.snapshot["replaces"] == old.number
    # A third run finds nothing new.
    assert (
        issue_recaps(db.session, 2025, donors_due(db.session, 2025), issuing_context(JANUARY + dt.timedelta(days=4)))
        == []
    )


def test_a_late_debit_settling_through_the_webhook_replaces_the_recap_at_once(db) -> None:  # type: ignore[no-untyped-def]
    from donations.receipting.service import PaymentReceipts
    from donations.receipting.service import issuing_context as service_context

    first = _monthly(db, range(1, 12))
    (recap,) = issue_recaps(db.session, 2025, donors_due(db.session, 2025), service_context())
    db.session.commit()
    at = dt.datetime(2025, 12, 5, 9, tzinfo=dt.UTC)
    late = Payment(
        donation=first.donation,
        amount_cents=1500,
        method=PaymentMethod.SEPA_DEBIT,
        status=PaymentStatus.SUCCEEDED,
        received_at=at,
        received_on=paris_date(at),
    )
    db.session.add(late)
    db.session.flush()
    hooks = PaymentReceipts(db.session)
    hooks.payment_settled(late)  # what fulfilment calls when Stripe says the debit succeeded
    db.session.commit()
    (replacement,) = hooks.effects.issued
    assert (replacement.receipt.amount_cents, replacement.receipt.replaces_id) == (12 * 1500, recap.receipt.id)
    assert db.session.get(Receipt, recap.receipt.id).status == ReceiptStatus.CANCELLED  # type: ignore[union-attr]


def test_the_batch_plans_on_statistics_it_has_just_refreshed(db) -> None:  # type: ignore[no-untyped-def]
    """Run right after a bulk import, PostgreSQL would plan the batch's reads on the statistics of
    near-empty tables (a join of every payment of the year with every gift): `plan` ANALYZEs first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans on table statistics; SQLite keeps none for these tables")
    tables = ("payment", "donation", "donor", "receipt", "receipt_payment")
    _monthly(db, range(1, 13))
    db.session.commit()

    def analyzed() -> dict[str, dt.datetime]:
        with db.engine.connect() as connection:  # a new snapshot of the statistics each time
            rows = connection.execute(
                text(
                    "SELECT relname, coalesce(last_analyze, 'epoch'::timestamptz) FROM pg_stat_user_tables"
                    " WHERE relname IN :tables"
                ).bindparams(bindparam("tables", expanding=True)),
                {"tables": list(tables)},
            )
            return dict(rows.all())  # type: ignore[arg-type]

    before = analyzed()
    due, waiting = plan(2025)
    after = analyzed()
    assert len(due) == 1 and not waiting
    assert [table for table in tables if not after[table] > before[table]] == []
