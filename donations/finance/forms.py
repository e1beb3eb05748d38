"""Forms of the back office: sign-in, list filters, and one confirmation form per action."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from donations.finance import labels
from donations.finance.search import SORTS, DonationFilter
from donations.finance.staff import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from donations.giving.amounts import AMOUNT_REQUIRED, amount_error_message
from donations.giving.forms import email_address_field
from donations.models import DonationKind, DonationStatus, StaffRole, TaxScheme
from donations.money import AmountError, parse_euros

CONFIRM_REQUIRED = _l("Please tick the box to confirm.")


def stripped(value: object) -> object:
    """A filter's text without the spaces around it: a filter of spaces only is no filter."""
    return value.strip() if isinstance(value, str) else value


def _cents(text: str | None) -> int:
    try:
        return parse_euros(text)
    except AmountError as error:
        raise ValidationError(amount_error_message(error)) from error


class LoginForm(FlaskForm):
    """Email and password of a staff member."""

    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])


class DonationFilterForm(FlaskForm):
    """The filters of the donations list, read from the query string (a search changes nothing: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        filters=[stripped],
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    kind = SelectField(_l("Type of gift"), filters=[stripped], validators=[Optional()])
    status = SelectField(_l("Status"), filters=[stripped], validators=[Optional()])
    scheme = SelectField(_l("Tax scheme"), filters=[stripped], validators=[Optional()])
    amount_min = StringField(_l("Minimum amount"), filters=[stripped], validators=[Optional()])
    amount_max = StringField(_l("Maximum amount"), filters=[stripped], validators=[Optional()])
    sort = SelectField(_l("Sort by"), default="created", filters=[stripped], validators=[Optional()])
    order = SelectField(_l("Order"), default="desc", filters=[stripped], validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _l("All"))]
        self.kind.choices = every + [(k.value, labels.KINDS[k]) for k in DonationKind]
        self.status.choices = every + [(s.value, labels.DONATION_STATUSES[s]) for s in DonationStatus]
        self.scheme.choices = every + [(s.value, labels.SCHEMES[s]) for s in TaxScheme]
        self.sort.choices = [(name, labels.SORTS[name]) for name in SORTS]
        self.order.choices = [("desc", _l("Newest or largest first")), ("asc", _l("Oldest or smallest first"))]

    def validate_amount_min(self, field: StringField) -> None:
        _cents(field.data)

    def validate_amount_max(self, field: StringField) -> None:
        _cents(field.data)

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))

    def to_filter(self) -> DonationFilter:
        """The validated filter (call after `validate()`)."""
        return DonationFilter(
            q=(self.q.data or "").strip(),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            kind=DonationKind(self.kind.data) if self.kind.data else None,
            status=DonationStatus(self.status.data) if self.status.data else None,
            scheme=TaxScheme(self.scheme.data) if self.scheme.data else None,
            amount_min_cents=_cents(self.amount_min.data) if self.amount_min.data else None,
            amount_max_cents=_cents(self.amount_max.data) if self.amount_max.data else None,
            sort=self.sort.data or "created",
            descending=(self.order.data or "desc") != "asc",
        )


class PeriodForm(FlaskForm):
    """A period of issue dates (Paris calendar), for the ZIP of receipts."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[DataRequired(_l("Please give the first day of the period."))])
    date_to = DateField(_l("To"), validators=[DataRequired(_l("Please give the last day of the period."))])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class YearForm(FlaskForm):
    """The year of the art. 222 bis totals (this year when absent)."""

    class Meta:
        csrf = False

    year = IntegerField(
        _l("Year"),
        validators=[Optional(), NumberRange(min=2000, max=2100, message=_l("Please give a year such as 2026."))],
    )


class ResendForm(FlaskForm):
    """Confirm emailing a receipt again."""

    confirm = BooleanField(
        _l("Yes, email this receipt to the donor again"), validators=[DataRequired(CONFIRM_REQUIRED)]
    )


class CancelReceiptForm(FlaskForm):
    """Cancel a receipt: the reason, the amount kept if any (then replaced), confirmed."""

    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Please give the reason.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    kept_amount = StringField(_l("Amount the foundation keeps, in euros"), validators=[Optional()])
    confirm = BooleanField(_l("Yes, cancel this receipt"), validators=[DataRequired(CONFIRM_REQUIRED)])
    kept_cents: int | None = None

    def validate_kept_amount(self, field: StringField) -> None:
        self.kept_cents = _cents(field.data) if (field.data or "").strip() else None


class RefundForm(FlaskForm):
    """Refund part or all of a payment through Stripe, confirmed."""

    amount = StringField(_l("Amount to refund, in euros"), validators=[DataRequired(AMOUNT_REQUIRED)])
    # Drawn when the page is shown: a double submit reaches Stripe with the same idempotency key.
    token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    confirm = BooleanField(_l("Yes, refund this amount through Stripe"), validators=[DataRequired(CONFIRM_REQUIRED)])
    amount_cents: int | None = None

    def validate_amount(self, field: StringField) -> None:
        self.amount_cents = _cents(field.data)


class CancelMonthlyForm(FlaskForm):
    """Confirm stopping a monthly gift."""

    confirm = BooleanField(_l("Yes, stop this monthly gift"), validators=[DataRequired(CONFIRM_REQUIRED)])


class StaffForm(FlaskForm):
    """A new staff account: email, role and a password typed twice."""

    email = email_address_field()
    role = SelectField(_l("Role"), validators=[DataRequired()])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Please enter your password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    password_again = PasswordField(
        _l("Password again"), validators=[EqualTo("password", message=_l("The two passwords differ."))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, labels.ROLES[r]) for r in StaffRole]


class StaffActiveForm(FlaskForm):
    """Confirm deactivating or reactivating an account."""

    confirm = BooleanField(_l("Yes, I confirm"), validators=[DataRequired(CONFIRM_REQUIRED)])
