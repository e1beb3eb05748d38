"""The company's financial-year end, as the donate form and finance's gift form ask for it.

Typed as day/month ("30/06"), stored as "MM-DD" (`receipts.financial_year`). A
form sent without the field at all (a page from before it existed, an API
client) means 31/12, today's behaviour; a field sent empty or wrong is refused
with a message saying what is expected.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from receipts.financial_year import FinancialYearEndError, parse_day_month

_MESSAGES = {
    "format": _l("Please enter the day and month the financial year ends, such as 31/12 or 30/06."),
    "no_such_day": _l("That day does not exist: please enter a real day and month, such as 30/06."),
    "leap_day": _l(
        "29 February is not in every year: for a financial year ending on the last day of February, enter 28/02."
    ),
}


def financial_year_end_field() -> StringField:
    return StringField(_l("Financial year ends on (day/month)"), default="31/12")


def checked_year_end(field: StringField) -> str | None:
    """The "MM-DD" end the field holds (None when the form did not send it); ValidationError otherwise."""
    if not field.raw_data:
        return None
    text: Any = field.data
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_l("Please enter the day and month the company's financial year ends, such as 31/12."))
    if len(text) > 20:
        raise ValidationError(_MESSAGES["format"])
    try:
        return parse_day_month(text)
    except FinancialYearEndError as error:
        raise ValidationError(_MESSAGES.get(error.reason, _MESSAGES["format"])) from error
