"""A company's financial year: its end as typed and stored, the period of its recap, and a receipt
(form 16216) whose period never straddles two of its financial years."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from receipts import financial_year
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import CURRENT_EDITION, PaymentLine, ReceiptSnapshot
from receipts.financial_year import FinancialYearEndError
from tests.support.cerfa_cases import ACME, MARIE, SIGNATURE, receipt, text_of

ACME_JUNE = dataclasses.replace(ACME, financial_year_end="06-30")


def _company_recap(donor=ACME_JUNE, period=(dt.date(2025, 7, 1), dt.date(2026, 6, 30)), payments=None):
    payments = payments or (PaymentLine(dt.date(2025, 7, 5), 50000), PaymentLine(dt.date(2026, 6, 5), 50000))
    return receipt(
        number="2027-000012",
        form="16216",
        form_version="16216*03",
        donor=donor,
        kind="annual",
        issued_on=dt.date(2027, 1, 15),
        amount_cents=sum(p.amount_cents for p in payments),
        articles=("238 bis",),
        paid_on=None,
        period=period,
        payments=payments,
        edition=CURRENT_EDITION,
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("31/12", "12-31"), ("30/06", "06-30"), ("30/6", "06-30"), (" 1.4 ", "04-01"), ("28-02", "02-28")],
)
def test_a_financial_year_end_is_typed_day_first_and_stored_month_first(typed, stored):
    assert financial_year.parse_day_month(typed) == stored
    assert financial_year.shown(stored) == financial_year.parse_day_month(typed).split("-")[1] + "/" + stored[:2]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "format"),
        ("31/02", "no_such_day"),
        ("31/04", "no_such_day"),
        ("00/06", "no_such_day"),
        ("30/13", "no_such_day"),
        ("29/02", "leap_day"),
        ("30\x00/06", "format"),
        ("06-30-2026", "format"),
        ("trente juin", "format"),
        ("٣٠/٠٦", "format"),  # digits of another script are not read as a date
    ],
)
def test_what_is_not_a_day_and_month_is_refused_with_its_reason(typed, reason):
    with pytest.raises(FinancialYearEndError) as refused:
        financial_year.parse_day_month(typed)
    assert refused.value.reason == reason


def test_the_recap_period_is_the_financial_year_ending_in_the_batch_year():
    assert financial_year.bounds("12-31", 2026) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert financial_year.bounds("06-30", 2026) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert financial_year.bounds("02-28", 2024) == (dt.date(2023, 3, 1), dt.date(2024, 2, 28))
    # A day belongs to the financial year that ends in its year, or in the next once past the end.
    assert financial_year.ending_year("06-30", dt.date(2026, 6, 30)) == 2026
    assert financial_year.ending_year("06-30", dt.date(2026, 7, 1)) == 2027
    assert financial_year.ending_year("12-31", dt.date(2026, 12, 31)) == 2026


def test_a_company_recap_over_its_financial_year_prints_that_period_and_its_close():
    recap = _company_recap()
    text = " ".join(text_of(draw_receipt(recap, SIGNATURE)).split())
    assert "du 01/07/2025 au 30/06/2026" in text
    assert "de l'exercice clos le 30/06/2026" in text
    assert "de l'année 2025" not in text
    # The year end is kept in the snapshot (and read back), never printed as a mention of its own.
    assert recap.to_json()["donor"]["financial_year_end"] == "06-30"
    assert ReceiptSnapshot.from_json(recap.to_json()) == recap
    assert "06-30" not in text


def test_a_calendar_year_company_recap_is_stored_and_drawn_as_before():
    payments = (PaymentLine(dt.date(2026, 1, 5), 50000),)
    recap = _company_recap(donor=ACME, period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), payments=payments)
    assert "financial_year_end" not in recap.to_json()["donor"]  # snapshots stored before it read back the same
    assert "de l'année 2026" in " ".join(text_of(draw_receipt(recap, SIGNATURE)).split())


@pytest.mark.parametrize(
    ("donor", "period"),
    [
        (ACME_JUNE, (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),  # a calendar year across a 30/06 close
        (ACME_JUNE, (dt.date(2026, 6, 30), dt.date(2026, 7, 1))),  # two days, two financial years
        (ACME, (dt.date(2025, 7, 1), dt.date(2026, 6, 30))),  # a 30/06 year for a company closing on 31/12
    ],
)
def test_a_company_period_straddling_its_financial_year_end_is_refused(donor, period):
    payments = (PaymentLine(period[0], 1000), PaymentLine(period[1], 1000))
    with pytest.raises(ValueError, match="within one of its financial years"):
        _company_recap(donor=donor, period=period, payments=payments)


def test_an_individual_counts_by_calendar_year_and_a_bad_year_end_is_refused():
    with pytest.raises(ValueError, match="calendar year"):
        dataclasses.replace(MARIE, financial_year_end="06-30")
    for stored in ("02-29", "31/12", "13-01", 1231):
        with pytest.raises(ValueError):
            dataclasses.replace(ACME, financial_year_end=stored)


def test_a_per_gift_company_receipt_keeps_its_date_whatever_the_year_end():
    gift = receipt(
        form="16216",
        form_version="16216*03",
        donor=ACME_JUNE,
        articles=("238 bis",),
        paid_on=dt.date(2026, 7, 1),
        edition=CURRENT_EDITION,
    )
    text = " ".join(text_of(draw_receipt(gift, SIGNATURE)).split())
    assert "01/07/2026" in text and "exercice clos" not in text
