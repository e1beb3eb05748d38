"""Forms of the offline gifts: a gift received by cheque, transfer or cash, an import, a cancellation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from donations.clock import paris_date, utcnow
from donations.finance.forms import CONFIRM_REQUIRED, _cents
from donations.finance.offline_gifts import OfflineGift
from donations.giving.amounts import AMOUNT_REQUIRED
from donations.giving.financial_year_field import checked_year_end, financial_year_end_field
from donations.giving.forms import PostalAddressForm, printed_on_receipt
from donations.models import DonorIdentity, DonorType, PaymentMethod, TaxScheme
from donations.sirens import is_valid_siren


class OfflineGiftForm(PostalAddressForm):
    """A gift received by the foundation itself, and who gave it (a new donor, or one found by a search)."""

    method = RadioField(
        _l("Received by"),
        choices=[
            SelectChoice(PaymentMethod.CHEQUE.value, _l("Cheque")),
            SelectChoice(PaymentMethod.TRANSFER.value, _l("Bank transfer")),
            SelectChoice(PaymentMethod.CASH.value, _l("Cash")),
        ],
        validators=[DataRequired(_l("Please choose how the gift was received."))],
    )
    amount = StringField(_l("Amount in euros"), validators=[DataRequired(AMOUNT_REQUIRED)])
    received_on = DateField(
        _l("Date received (cheque) or credited (transfer)"),
        validators=[DataRequired(_l("Please enter a date such as 2026-11-30."))],
    )
    reference = StringField(
        _l("Cheque number or transfer reference"), validators=[Length(max=140, message=_l("At most 140 characters."))]
    )
    cheque_bank = StringField(
        _l("Bank of the cheque"), validators=[Optional(), Length(max=100, message=_l("At most 100 characters."))]
    )
    scheme = SelectField(
        _l("Tax scheme"),
        choices=[
            SelectChoice("", _l("Usual one (income tax for a person, art. 238 bis for a company)")),
            SelectChoice(TaxScheme.INCOME_TAX.value, _l("Income tax (art. 200)")),
            SelectChoice(TaxScheme.IFI.value, _l("IFI (art. 978)")),
            SelectChoice(TaxScheme.COMPANY.value, _l("Company (art. 238 bis)")),
        ],
        default="",
        validators=[Optional()],
    )
    donor_type = RadioField(
        _l("Donor"),
        choices=[
            SelectChoice(DonorType.INDIVIDUAL.value, _l("An individual")),
            SelectChoice(DonorType.COMPANY.value, _l("A company")),
        ],
        default=DonorType.INDIVIDUAL.value,
        validators=[DataRequired(_l("Please say whether the donor is an individual or a company."))],
    )
    first_name = StringField(
        _l("First names"), validators=[Length(max=100, message=_l("At most 100 characters.")), printed_on_receipt(100)]
    )
    last_name = StringField(
        _l("Last name"), validators=[Length(max=100, message=_l("At most 100 characters.")), printed_on_receipt(100)]
    )
    email = StringField(
        _l("Email (leave empty if the donor has none: the receipt is then posted)"),
        validators=[
            Optional(),
            Email(_l("Please enter a valid email address, such as name@example.org.")),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
    )
    company_name = StringField(
        _l("Company name"), validators=[Length(max=200, message=_l("At most 200 characters.")), printed_on_receipt(200)]
    )
    legal_form = StringField(
        _l("Legal form (SA, SAS, SARL…)"),
        validators=[Length(max=100, message=_l("At most 100 characters.")), printed_on_receipt(100)],
    )
    siren = StringField(_l("SIREN number"))
    financial_year_end = financial_year_end_field()
    donor = HiddenField()  # the public id of the donor chosen after a search, if any

    amount_cents: int = 0
    year_end: str | None = None  # the company's financial-year end, "MM-DD" (None: not sent, the record's stays)

    @property
    def is_company(self) -> bool:
        return self.donor_type.data == DonorType.COMPANY.value

    def validate_amount(self, field: StringField) -> None:
        self.amount_cents = _cents(field.data)

    def validate_received_on(self, field: DateField) -> None:
        if field.data and field.data > paris_date(utcnow()):
            raise ValidationError(_l("A gift cannot be received in the future."))

    def validate_reference(self, field: StringField) -> None:
        if self.method.data == PaymentMethod.CHEQUE.value and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the cheque's number."))

    def validate_first_name(self, field: StringField) -> None:
        if not self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the donor's first name."))

    def validate_last_name(self, field: StringField) -> None:
        if not self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the donor's last name."))

    def validate_scheme(self, field: SelectField) -> None:
        if self.is_company and field.data not in ("", TaxScheme.COMPANY.value):
            raise ValidationError(_l("A company gives under article 238 bis."))
        if not self.is_company and field.data == TaxScheme.COMPANY.value:
            raise ValidationError(_l("The company scheme (art. 238 bis) is for companies."))

    def validate_company_name(self, field: StringField) -> None:
        if self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the company's name."))

    def validate_legal_form(self, field: StringField) -> None:
        if self.is_company and not (field.data or "").strip():
            raise ValidationError(_l("Please enter the company's legal form."))

    def validate_financial_year_end(self, field: StringField) -> None:
        if self.is_company:
            self.year_end = checked_year_end(field)

    def validate_siren(self, field: StringField) -> None:
        if not self.is_company:
            return
        siren = "".join((field.data or "").split())
        if not is_valid_siren(siren):
            raise ValidationError(_l("A SIREN number has nine digits and a valid check digit, such as 732 829 320."))
        field.data = siren

    def gift(self, donor_id: int | None) -> OfflineGift:
        """The gift as typed (call once the form is valid)."""
        company = self.is_company
        text = lambda f: (f.data or "").strip()  # noqa: E731
        identity = DonorIdentity(
            donor_type=self.donor_type.data,
            first_name=text(self.first_name),
            last_name=text(self.last_name),
            address_line1=text(self.address_line1),
            address_line2=text(self.address_line2),
            postal_code=text(self.postal_code),
            city=text(self.city),
            country=self.country.data,
            company_name=text(self.company_name) if company else "",
            legal_form=text(self.legal_form) if company else "",
            siren=(self.siren.data or "") if company else "",
        )
        method = PaymentMethod(self.method.data)
        return OfflineGift(
            method=method,
            amount_cents=self.amount_cents,
            received_on=self.received_on.data,
            identity=identity,
            email=text(self.email).lower(),
            reference=text(self.reference),
            cheque_bank=text(self.cheque_bank) if method == PaymentMethod.CHEQUE else "",
            scheme=TaxScheme(self.scheme.data) if self.scheme.data else None,
            donor_id=donor_id,
            financial_year_end=self.year_end if company else None,
        )


class GiftsImportForm(FlaskForm):
    """The CSV file of gifts to import."""

    file = FileField(
        _l("CSV file (UTF-8, columns separated by ';')"),
        validators=[FileRequired(_l("Please choose the file to import."))],
    )


class CancelGiftForm(FlaskForm):
    """Cancel a gift recorded by mistake: a reason, and a confirmation."""

    reason = StringField(
        _l("Why is this gift cancelled?"),
        validators=[DataRequired(_l("Please give a reason.")), Length(max=150, message=_l("At most 150 characters."))],
    )
    confirm = BooleanField(
        _l("I confirm: this gift was recorded by mistake; its receipt is cancelled."),
        validators=[DataRequired(CONFIRM_REQUIRED)],
    )


class PostalBatchForm(FlaskForm):
    """Print the receipts waiting to be posted (they are then marked as printed)."""

    include_printed = BooleanField(_l("Print again the receipts already printed"))


class DepositSlipForm(FlaskForm):
    """Group the cheques received and not yet deposited into a deposit slip."""

    deposited_on = DateField(
        _l("Date of the deposit"), validators=[DataRequired(_l("Please enter a date such as 2026-11-30."))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.deposited_on.data is None and not self.is_submitted():
            self.deposited_on.data = paris_date(utcnow())

    def validate_deposited_on(self, field: DateField) -> None:
        # The day a cheque is cashed may date its receipt: never a day to come.
        if field.data and field.data > paris_date(utcnow()):
            raise ValidationError(_l("A deposit slip is dated the day of the deposit, not a day to come."))
