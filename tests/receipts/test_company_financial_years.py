"""A company's recap covers its financial year: the batch of year Y recaps the financial year ending in Y
(1 July Y-1 to 30 June Y for a company closing on 30/06), a calendar year for everyone else."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from donations.clock import paris_date
from donations.models import (
    DonationKind,
    Donor,
    DonorType,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Receipt,
    ReceiptStatus,
    TaxScheme,
)
from receipts.annual import donors_due, donors_waiting, follow_late_payment, issue_recaps
from receipts.issuing import issue_for_payment
from tests.support.factories import issuing_context, settled_payment

JANUARY_2026 = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
JANUARY_2027 = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.UTC)


def _company(year_end: str, siren: str) -> Donor:
    return Donor(
        donor_type=DonorType.COMPANY,
        first_name="",
        last_name="",
        email=f"mecenat-{siren}@example.org",
        company_name=f"Ateliers {siren}",
        legal_form="SAS",
        siren=siren,
        address_line1="8 avenue des Forges",
        postal_code="59000",
        city="Lille",
        country="FR",
        locale="fr",
        financial_year_end=year_end,
    )


def _on(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)


def _monthly(db, donor: Donor | None, months: list[dt.date], status=PaymentStatus.SUCCEEDED) -> Payment:  # type: ignore[no-untyped-def]
    """A monthly gift paid on each of these days (the first settled, the others with `status`)."""
    first = settled_payment(db.session, 1500, DonationKind.MONTHLY, _on(months[0]), donor=donor)
    for day in months[1:]:
        _add(db, first, day, status)
    return first


def _add(db, first: Payment, day: dt.date, status=PaymentStatus.SUCCEEDED) -> Payment:  # type: ignore[no-untyped-def]
    payment = Payment(
        donation=first.donation,
        amount_cents=1500,
        method=PaymentMethod.SEPA_DEBIT,
        status=status,
        received_at=_on(day),
        received_on=paris_date(_on(day)),
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def _fifths(start: dt.date, count: int) -> list[dt.date]:
    return [dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 5) for i in range(count)]


def _recaps(db, donor_id: int) -> list[Receipt]:  # type: ignore[no-untyped-def]
    query = select(Receipt).where(Receipt.donor_id == donor_id, Receipt.status == ReceiptStatus.ISSUED)
    return list(db.session.scalars(query.order_by(Receipt.id)))


def test_each_donor_is_recapped_over_its_own_year_the_june_company_over_july_to_june(db) -> None:  # type: ignore[no-untyped-def]
    months = _fifths(dt.date(2025, 1, 5), 24)  # January 2025 to December 2026
    june = _monthly(db, _company("06-30", "552100554"), months).donation.donor
    december = _monthly(db, _company("12-31", "732829320"), months).donation.donor
    person = _monthly(db, None, months).donation.donor
    db.session.commit()

    assert set(donors_due(db.session, 2025)) == {june.id, december.id, person.id}
    issue_recaps(db.session, 2025, donors_due(db.session, 2025), issuing_context(JANUARY_2026))
    db.session.commit()
    issue_recaps(db.session, 2026, donors_due(db.session, 2026), issuing_context(JANUARY_2027))
    db.session.commit()

    periods = {
        donor.id: [(r.snapshot["period"], len(r.snapshot["payments"])) for r in _recaps(db, donor.id)]
        for donor in (june, december, person)
    }
    assert periods[person.id] == [(["2025-01-01", "2025-12-31"], 12), (["2026-01-01", "2026-12-31"], 12)]
    assert periods[december.id] == periods[person.id]
    # The June company: January–June 2025 in its year ending 30/06/2025, then July 2025–June 2026.
    assert periods[june.id] == [(["2024-07-01", "2025-06-30"], 6), (["2025-07-01", "2026-06-30"], 12)]
    first, second = _recaps(db, june.id)
    assert first.snapshot["donor"]["financial_year_end"] == "06-30" and second.article == "238 bis"
    # July–December 2026 belong to its year ending 30/06/2027: not recapped by the batch of 2026, never twice.
    assert donors_due(db.session, 2026) == []
    assert june.id in donors_due(db.session, 2027) and person.id not in donors_due(db.session, 2027)


def test_a_debit_still_on_its_way_holds_only_the_recap_of_its_own_financial_year(db) -> None:  # type: ignore[no-untyped-def]
    june = _monthly(db, _company("06-30", "552100554"), _fifths(dt.date(2025, 7, 5), 6)).donation.donor
    person = _monthly(db, None, _fifths(dt.date(2025, 7, 5), 6)).donation.donor
    # Both have a debit of 20 December 2025 still processing (a SEPA debit settles days later).
    for donor in (june, person):
        first = db.session.scalars(
            select(Payment).join(Payment.donation).where(Payment.donation.has(donor=donor))
        ).first()
        _add(db, first, dt.date(2025, 12, 20), PaymentStatus.PROCESSING)
    db.session.commit()
    # The person's recap of 2025 waits for it; the June company's debit is of its year ending 30/06/2026.
    assert donors_waiting(db.session, 2025) == {person.id}
    assert donors_waiting(db.session, 2026) == {june.id}
    assert june.id not in donors_due(db.session, 2025) and person.id not in donors_due(db.session, 2026)


def test_a_late_debit_replaces_the_recap_of_its_financial_year_not_another(db) -> None:  # type: ignore[no-untyped-def]
    first = _monthly(db, _company("06-30", "552100554"), _fifths(dt.date(2025, 7, 5), 11))  # July 2025 – May 2026
    donor = first.donation.donor
    (recap,) = issue_recaps(db.session, 2026, donors_due(db.session, 2026), issuing_context(JANUARY_2027))
    db.session.commit()
    assert recap.receipt.snapshot["period"] == ["2025-07-01", "2026-06-30"]

    # June 2026's debit settles late: its recap (the year ending 30/06/2026) is cancelled and replaced.
    late = _add(db, first, dt.date(2026, 6, 5))
    (replacement,) = follow_late_payment(db.session, late, issuing_context(JANUARY_2027 + dt.timedelta(days=2)))
    db.session.commit()
    assert replacement.receipt.snapshot["period"] == ["2025-07-01", "2026-06-30"]
    assert (replacement.receipt.amount_cents, replacement.receipt.replaces_id) == (12 * 1500, recap.receipt.id)
    assert db.session.get(Receipt, recap.receipt.id).status == ReceiptStatus.CANCELLED  # type: ignore[union-attr]

    # A debit of July 2026 belongs to the year ending 30/06/2027, not over: no recap yet, the first one stays.
    july = _add(db, first, dt.date(2026, 7, 5))
    assert follow_late_payment(db.session, july, issuing_context(JANUARY_2027 + dt.timedelta(days=3))) == []
    assert [r.id for r in _recaps(db, donor.id)] == [replacement.receipt.id]


def test_a_companys_one_off_gift_keeps_its_own_receipt_dated_the_day_paid(db) -> None:  # type: ignore[no-untyped-def]
    payment = settled_payment(
        db.session, 100_000, DonationKind.ONE_OFF, _on(dt.date(2026, 7, 1)), donor=_company("06-30", "552100554")
    )
    payment.donation.tax_scheme = TaxScheme.COMPANY
    issued = issue_for_payment(db.session, payment, issuing_context(_on(dt.date(2026, 7, 2))))
    assert issued is not None
    snapshot = issued.receipt.snapshot
    assert (snapshot["kind"], snapshot["paid_on"], snapshot["period"]) == ("per_gift", "2026-07-01", None)
    assert issued.receipt.article == "238 bis"


def test_a_late_debit_after_the_year_end_was_changed_never_fails_nor_lists_a_payment_twice(db) -> None:  # type: ignore[no-untyped-def]
    first = _monthly(db, _company("06-30", "552100554"), _fifths(dt.date(2025, 7, 5), 12))  # July 2025 – June 2026
    donor = first.donation.donor
    (recap,) = issue_recaps(db.session, 2026, donors_due(db.session, 2026), issuing_context(JANUARY_2027))
    db.session.commit()
    donor.financial_year_end = "12-31"  # finance records the company's new year end: the calendar year
    for day in _fifths(dt.date(2026, 7, 5), 5):  # July – November 2026, settled
        _add(db, first, day)
    db.session.commit()
    # December 2026's debit settles late, in 2026's calendar year: that year's recap is not the one issued
    # over July 2025 – June 2026, which stays as it is; the payments it does not list get a recap of their own.
    late = _add(db, first, dt.date(2026, 12, 5))
    (own,) = follow_late_payment(db.session, late, issuing_context(JANUARY_2027 + dt.timedelta(days=2)))
    db.session.commit()
    assert own.receipt.replaces_id is None and own.receipt.snapshot["period"] == ["2026-01-01", "2026-12-31"]
    assert [p["date"] for p in own.receipt.snapshot["payments"]] == [f"2026-{m:02d}-05" for m in range(7, 13)]
    assert db.session.get(Receipt, recap.receipt.id).status == ReceiptStatus.ISSUED  # type: ignore[union-attr]
    listed = [p["date"] for r in _recaps(db, donor.id) for p in r.snapshot["payments"]]
    assert len(listed) == len(set(listed)) == 18
