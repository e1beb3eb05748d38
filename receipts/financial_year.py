"""A company's financial year, as its receipts need it (Cerfa 16216, note 5).

A company's recap covers its gifts of one financial year, never two: its
"date ou période au cours de laquelle les dons et versements ont été
effectués" ends on the company's financial-year end. The end is kept as
"MM-DD" (`CALENDAR_YEAR_END`, 31 December, for individuals and by default).

29 February is refused as a financial-year end: it is not a day of every
year, so a year ending on it would end on no day three years in four. A
company closing on the last day of February enters 28/02 (and so does its
accountant for the tax return: the financial year then ends on 28 February,
or on 29 February in a leap year, which `bounds` does not model).

`annual --year Y` issues, for a company, the recap of its financial year
that ends in Y (for 30/06: 1 July Y-1 to 30 June Y); for everyone else the
calendar year Y.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "CALENDAR_YEAR_END",
    "FinancialYearEndError",
    "bounds",
    "check_year_end",
    "ending_year",
    "parse_day_month",
    "shown",
    "within_one",
]

CALENDAR_YEAR_END = "12-31"
_STORED = re.compile(r"(\d\d)-(\d\d)", re.ASCII)
_TYPED = re.compile(r"(\d{1,2}) *[/.\-] *(\d{1,2})", re.ASCII)


class FinancialYearEndError(ValueError):
    """Not a day and month a financial year can end on; the message says why, in English, and `reason`
    names the case for a form's message: "format", "no_such_day" or "leap_day"."""

    def __init__(self, message: str, reason: str = "format") -> None:
        super().__init__(message)
        self.reason = reason


def check_year_end(value: object) -> tuple[int, int]:
    """(month, day) of a stored "MM-DD" financial-year end; FinancialYearEndError unless a real day of a month."""
    match = _STORED.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise FinancialYearEndError(f"a financial-year end is stored as MM-DD, got {value!r}")
    month, day = int(match[1]), int(match[2])
    _real_day(day, month)
    return month, day


def _real_day(day: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise FinancialYearEndError(f"there is no month {month}", "no_such_day")
    if (month, day) == (2, 29):
        raise FinancialYearEndError(
            "29 February is not a day of every year: a financial year ending then ends on 28/02", "leap_day"
        )
    try:
        dt.date(2001, month, day)  # a year that is not a leap year
    except ValueError as error:
        raise FinancialYearEndError(f"there is no day {day} in month {month}", "no_such_day") from error


def parse_day_month(text: str) -> str:
    """The "MM-DD" end typed as day/month ("30/06", "30.6", "30-06"); FinancialYearEndError otherwise."""
    match = _TYPED.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise FinancialYearEndError(f"a financial-year end is a day and a month, such as 31/12, not {text!r}")
    day, month = int(match[1]), int(match[2])
    _real_day(day, month)
    return f"{month:02d}-{day:02d}"


def shown(value: str) -> str:
    """A stored end as people type it: "06-30" → "30/06"."""
    month, day = check_year_end(value)
    return f"{day:02d}/{month:02d}"


def bounds(year_end: str, year: int) -> tuple[dt.date, dt.date]:
    """The first and last days of the financial year ending in `year` (the calendar year for 12-31)."""
    month, day = check_year_end(year_end)
    end = dt.date(year, month, day)
    return dt.date(year - 1, month, day) + dt.timedelta(days=1), end


def ending_year(year_end: str, day: dt.date) -> int:
    """The year in which the financial year that contains `day` ends."""
    month, last = check_year_end(year_end)
    return day.year if day <= dt.date(day.year, month, last) else day.year + 1


def within_one(year_end: str, start: dt.date, end: dt.date) -> bool:
    """Whether the period start–end lies within one financial year ending on `year_end`."""
    return start <= end and ending_year(year_end, start) == ending_year(year_end, end)
