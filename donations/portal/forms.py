"""Forms of the donor portal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from donations.giving.amounts import AMOUNT_REQUIRED
from donations.giving.forms import PostalAddressForm, email_address_field, gift_amount_cents


class SignInRequestForm(FlaskForm):
    email = email_address_field()


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (pause, resume, card)."""


class SignInForm(FlaskForm):
    """The sign-in button: the emailed token travels in the body, never in the address posted to."""

    token = HiddenField(validators=[DataRequired(), Length(max=100)])


class StopForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, stop my monthly gift"), validators=[DataRequired(_l("Please tick the box to confirm."))]
    )


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, erase my personal data"), validators=[DataRequired(_l("Please tick the box to confirm."))]
    )


class AmountForm(FlaskForm):
    amount = StringField(_l("New monthly amount in euros"), validators=[DataRequired(AMOUNT_REQUIRED)])
    amount_cents: int | None = None

    def validate_amount(self, field: StringField) -> None:
        self.amount_cents = gift_amount_cents(field.data)


class AddressForm(PostalAddressForm):
    """The address one donor record prints on future receipts (`donor`: that record's public id)."""

    donor = HiddenField(validators=[Length(max=36)])
