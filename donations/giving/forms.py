"""The donation form: what a receipt needs, checked on the server."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from babel import Locale
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from donations.giving.amounts import AMOUNT_REQUIRED, amount_error_message
from donations.giving.financial_year_field import checked_year_end, financial_year_end_field
from donations.giving.giving_extras import GivingExtrasFields
from donations.models import DonationKind, DonorType
from donations.money import AmountError, format_euros, parse_euros
from donations.sirens import is_valid_siren
from receipts.document.printable import fits_receipt, unprintable_characters
from receipts.financial_year import CALENDAR_YEAR_END

DAMAGED_FORM = _l("This form was damaged on its way. Please check your details and send it again.")

# Codes Babel lists among territories that are not countries one can live in.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}


def collation_key(name: str) -> tuple[str, str]:
    """Sort as a French reader expects: letters before their accents matter ("Égypte" among the E)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return bare.casefold().replace("œ", "oe").replace("æ", "ae"), name


def country_choices(language: str) -> list[SelectChoice]:
    """ISO 3166 alpha-2 countries named in the visitor's language, France first."""
    names = Locale.parse(language).territories
    countries = sorted(
        (
            (code, name)
            for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
        ),
        key=lambda item: collation_key(item[1]),
    )
    france = [c for c in countries if c[0] == "FR"]
    return [SelectChoice(code, name) for code, name in france + [c for c in countries if c[0] != "FR"]]


def too_large_to_pay_online(maximum_cents: int) -> str:
    """Why a gift above the online maximum (Stripe's limit, or DONATION_MAX) is refused, and what to do."""
    return str(
        _l(
            "A gift paid online by card or SEPA debit is at most %(maximum)s. "
            "A larger gift can be made by bank transfer.",
            maximum=format_euros(maximum_cents),
        )
    )


def gift_amount_cents(text: str | None) -> int:
    """The cents of a gift typed in a form, within the configured bounds (ValidationError otherwise)."""
    config = current_app.config
    try:
        cents = parse_euros(text, max_cents=config["DONATION_MAX_CENTS"])
    except AmountError as error:
        if error.code == "too_large":
            raise ValidationError(too_large_to_pay_online(config["DONATION_MAX_CENTS"])) from error
        raise ValidationError(amount_error_message(error, config["DONATION_MAX_CENTS"])) from error
    if cents < config["DONATION_MIN_CENTS"]:
        raise ValidationError(
            _l("The smallest gift is %(minimum)s.", minimum=format_euros(config["DONATION_MIN_CENTS"]))
        )
    return cents


def _optional_cents(text: str | None) -> int | None:
    if not (text or "").strip():
        return None
    try:
        return parse_euros(text, max_cents=10**14)
    except AmountError:
        return None


def _check_optional_euros(field: StringField) -> None:
    if (field.data or "").strip() and _optional_cents(field.data) is None:
        raise ValidationError(_l("Please enter an amount in euros, such as 45000 or 45 000,00."))


def printed_on_receipt(characters: int) -> Callable[[Any, StringField], None]:
    """A validator for a value the tax receipt prints: only characters its font can print, and no
    wider than `characters` of the widest letter (the longest value its layout is checked with)."""

    def check(form: Any, field: StringField) -> None:
        text = field.data or ""
        unprintable = unprintable_characters(text)
        if unprintable:
            raise ValidationError(
                _l(
                    "The tax receipt cannot print these characters: %(characters)s. Please replace them "
                    "(for instance with Latin letters).",
                    characters=", ".join(unprintable),
                )
            )
        if not fits_receipt(text, characters):
            raise ValidationError(_l("Too long to print on the tax receipt: please shorten it."))

    return check


def email_address_field() -> StringField:
    """An email address as the forms ask for it: required, well formed, at most 254 characters."""
    return StringField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Email(_l("Please enter a valid email address, such as name@example.org.")),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
    )


class PostalAddressForm(FlaskForm):
    """A full postal address with its country, as a receipt prints it."""

    address_line1 = StringField(
        _l("Address"),
        validators=[
            DataRequired(_l("Please enter your postal address.")),
            Length(max=200, message=_l("At most 200 characters.")),
            printed_on_receipt(200),
        ],
    )
    address_line2 = StringField(
        _l("Address (continued)"),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), printed_on_receipt(200)],
    )
    postal_code = StringField(
        _l("Postal code"),
        validators=[
            DataRequired(_l("Please enter your postal code.")),
            Length(max=20, message=_l("At most 20 characters.")),
            printed_on_receipt(20),
        ],
    )
    city = StringField(
        _l("City"),
        validators=[
            DataRequired(_l("Please enter your city.")),
            Length(max=100, message=_l("At most 100 characters.")),
            printed_on_receipt(100),
        ],
    )
    country = SelectField(_l("Country"), default="FR", validators=[DataRequired(_l("Please choose your country."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(str(get_locale() or "fr"))

    def validate_postal_code(self, field: StringField) -> None:
        code = (field.data or "").strip()
        if self.country.data == "FR" and not (len(code) == 5 and code.isdigit()):
            raise ValidationError(_l("A French postal code has five digits, such as 75013."))


class DonationForm(GivingExtrasFields, PostalAddressForm):
    """The fields of /donate (their names are a contract with campaign sites)."""

    kind = RadioField(
        _l("Type of gift"),
        choices=[
            SelectChoice(DonationKind.ONE_OFF.value, _l("One-off")),
            SelectChoice(DonationKind.MONTHLY.value, _l("Monthly")),
            SelectChoice(DonationKind.IFI.value, _l("IFI")),
        ],
        default=DonationKind.ONE_OFF.value,
        validators=[DataRequired(_l("Please choose the type of gift."))],
    )
    amount = StringField(_l("Amount in euros"), validators=[DataRequired(AMOUNT_REQUIRED)])
    donor_type = RadioField(
        _l("I give as"),
        choices=[
            SelectChoice(DonorType.INDIVIDUAL.value, _l("An individual")),
            SelectChoice(DonorType.COMPANY.value, _l("A company")),
        ],
        default=DonorType.INDIVIDUAL.value,
        validators=[DataRequired(_l("Please say whether you give as an individual or a company."))],
    )
    first_name = StringField(
        _l("First names"),
        validators=[
            DataRequired(_l("Please enter your first name.")),
            Length(max=100, message=_l("At most 100 characters.")),
            printed_on_receipt(100),
        ],
    )
    last_name = StringField(
        _l("Last name"),
        validators=[
            DataRequired(_l("Please enter your last name.")),
            Length(max=100, message=_l("At most 100 characters.")),
            printed_on_receipt(100),
        ],
    )
    email = email_address_field()
    company_name = StringField(
        _l("Company name"), validators=[Length(max=200, message=_l("At most 200 characters.")), printed_on_receipt(200)]
    )
    legal_form = StringField(
        _l("Legal form (SA, SAS, SARL…)"),
        validators=[Length(max=100, message=_l("At most 100 characters.")), printed_on_receipt(100)],
    )
    siren = StringField(_l("SIREN number"))
    financial_year_end = financial_year_end_field()
    consent = BooleanField(
        _l("I agree that my details are used to process my gift and issue my tax receipt."),
        validators=[DataRequired(_l("Please agree so that we can issue your tax receipt."))],
    )
    # Optional, never stored: only to show the reduction within its ceiling (20 % of taxable income,
    # or the larger of 20 000 € and 0.5 % of turnover).
    taxable_income = StringField(_l("Your taxable income (optional)"), validators=[Optional()])
    turnover = StringField(_l("Turnover excluding VAT (optional)"), validators=[Optional()])
    # An IFI gift above the IFI ceiling may have its excess counted for income tax (art. 200).
    ifi_split = BooleanField(_l("Count the part above the IFI ceiling for income tax instead (two receipts)"))
    # How the gift is paid: through Stripe (card or SEPA debit, the default) or by a bank transfer the donor makes.
    payment = RadioField(
        _l("How you pay"),
        choices=[
            SelectChoice("card", _l("By card or SEPA direct debit, on Stripe's secure page")),
            SelectChoice("transfer", _l("By bank transfer (par virement)")),
        ],
        default="card",
    )
    # Drawn by GET /donate (32 URL-safe characters); the column holds 64. Anything else was not sent by this page.
    submission_token = HiddenField(
        _l("Form"), validators=[Length(max=64, message=DAMAGED_FORM), Regexp(r"^[A-Za-z0-9_-]*$", message=DAMAGED_FORM)]
    )
    # The ALTCHA widget's solution, when the form asks for the challenge (donations/giving/checkout_limits.py).
    altcha = HiddenField()

    amount_cents: int | None = None
    year_end: str = CALENDAR_YEAR_END  # the company's financial-year end, "MM-DD", once validated

    @property
    def is_company(self) -> bool:
        return self.donor_type.data == DonorType.COMPANY.value

    def validate_financial_year_end(self, field: StringField) -> None:
        if self.is_company:
            self.year_end = checked_year_end(field) or CALENDAR_YEAR_END

    def validate_amount(self, field: StringField) -> None:
        self.amount_cents = gift_amount_cents(field.data)

    def validate_payment(self, field: RadioField) -> None:
        from donations.giving.announced_transfers import CARD_LIMIT_CENTS, transfers_offered

        if field.data == "transfer":
            if not transfers_offered(current_app.config):
                raise ValidationError(
                    _l("Gifts by bank transfer are not offered at the moment: please pay by card or direct debit.")
                )
            if self.kind.data == DonationKind.MONTHLY.value:
                raise ValidationError(_l("A monthly gift is paid by card or SEPA direct debit."))
        elif self.amount_cents is not None and self.amount_cents > CARD_LIMIT_CENTS:
            raise ValidationError(
                _l("Above %(limit)s, please give by bank transfer.", limit=format_euros(CARD_LIMIT_CENTS))
            )

    def validate_taxable_income(self, field: StringField) -> None:
        _check_optional_euros(field)

    def validate_turnover(self, field: StringField) -> None:
        _check_optional_euros(field)

    def ceiling_figures(self) -> dict[str, int | None]:
        """The taxable income or turnover typed, in cents, for the net cost (None when absent or malformed)."""
        income = _optional_cents(self.taxable_income.data) if not self.is_company else None
        turnover = _optional_cents(self.turnover.data) if self.is_company else None
        return {"taxable_income_cents": income, "turnover_cents": turnover}

    def validate_kind(self, field: RadioField) -> None:
        if field.data == DonationKind.IFI.value and self.is_company:
            raise ValidationError(_l("IFI gifts are for individuals; a company gives under article 238 bis."))

    def validate_company_name(self, field: StringField) -> None:
        if self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the company's name."))

    def validate_legal_form(self, field: StringField) -> None:
        if self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the company's legal form."))

    def validate_siren(self, field: StringField) -> None:
        if not self.is_company:
            return
        siren = "".join((field.data or "").split())
        if not siren:
            raise ValidationError(_l("Please enter the company's SIREN number."))
        if not is_valid_siren(siren):
            raise ValidationError(_l("A SIREN number has nine digits and a valid check digit, such as 732 829 320."))
        field.data = siren
