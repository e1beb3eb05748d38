"""What the back office calls each stored value, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from donations.finance import audit
from donations.models import (
    DonationKind,
    DonationStatus,
    DonorType,
    EventOutcome,
    PaymentMethod,
    PaymentStatus,
    ReceiptKind,
    ReceiptStatus,
    StaffRole,
    TaxScheme,
)

KINDS = {DonationKind.ONE_OFF: _l("One-off"), DonationKind.MONTHLY: _l("Monthly"), DonationKind.IFI: _l("IFI")}

DONATION_STATUSES = {
    DonationStatus.PENDING: _l("awaiting payment"),
    DonationStatus.PROCESSING: _l("in progress"),
    DonationStatus.PAID: _l("received"),
    DonationStatus.ACTIVE: _l("active"),
    DonationStatus.PAUSED: _l("paused"),
    DonationStatus.FAILED: _l("failed"),
    DonationStatus.EXPIRED: _l("not completed"),
    DonationStatus.CANCELLED: _l("stopped"),
    DonationStatus.REFUNDED: _l("refunded"),
    DonationStatus.LAPSED: _l("lapsed (unpaid)"),
}

SCHEMES = {
    TaxScheme.INCOME_TAX: _l("Income tax (art. 200)"),
    TaxScheme.IFI: _l("IFI (art. 978)"),
    TaxScheme.COMPANY: _l("Company (art. 238 bis)"),
}

PAYMENT_STATUSES = {
    PaymentStatus.PROCESSING: _l("in progress"),
    PaymentStatus.SUCCEEDED: _l("received"),
    PaymentStatus.FAILED: _l("failed"),
}

METHODS = {
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.SEPA_DEBIT: _l("SEPA direct debit"),
    PaymentMethod.CHEQUE: _l("Cheque"),
    PaymentMethod.TRANSFER: _l("Bank transfer"),
    PaymentMethod.CASH: _l("Cash"),
}

RECEIPT_STATUSES = {ReceiptStatus.ISSUED: _l("issued"), ReceiptStatus.CANCELLED: _l("cancelled")}

RECEIPT_KINDS = {ReceiptKind.PER_GIFT: _l("per gift"), ReceiptKind.ANNUAL: _l("annual")}

EVENT_OUTCOMES = {
    EventOutcome.RECEIVED: _l("received, not applied yet"),
    EventOutcome.APPLIED: _l("applied"),
    EventOutcome.IGNORED: _l("ignored (nothing to do)"),
    EventOutcome.FAILED: _l("failed (retried)"),
    EventOutcome.REJECTED: _l("rejected (never applied)"),
}

DONOR_TYPES = {DonorType.INDIVIDUAL: _l("Individual"), DonorType.COMPANY: _l("Company")}

ROLES = {StaffRole.FINANCE: _l("Finance"), StaffRole.ADMIN: _l("Administrator")}

SORTS = {
    "created": _l("Date"),
    "amount": _l("Amount"),
    "status": _l("Status"),
    "kind": _l("Type of gift"),
    "donor": _l("Donor"),
}

ACTIONS = {
    audit.SIGN_IN: _l("Signed in"),
    audit.SIGN_IN_FAILED: _l("Failed sign-in"),
    audit.SIGN_OUT: _l("Signed out"),
    audit.STAFF_CREATED: _l("Account created"),
    audit.STAFF_DEACTIVATED: _l("Account deactivated"),
    audit.STAFF_REACTIVATED: _l("Account reactivated"),
    audit.PASSWORD_SET: _l("Password changed"),
    audit.RECEIPT_DOWNLOADED: _l("Receipt downloaded"),
    audit.RECEIPTS_ZIP: _l("Receipts downloaded as ZIP"),
    audit.RECEIPTS_CSV: _l("Receipts exported (CSV)"),
    audit.DONATIONS_CSV: _l("Donations exported (CSV)"),
    audit.DECLARATION_CSV: _l("Art. 222 bis totals exported (CSV)"),
    audit.RECEIPT_RESENT: _l("Receipt email sent again"),
    audit.RECEIPT_CANCELLED: _l("Receipt cancelled"),
    audit.REFUND_REQUESTED: _l("Refund requested"),
    audit.MONTHLY_CANCEL_REQUESTED: _l("Monthly gift stop requested"),
    audit.FEC_DOWNLOADED: _l("FEC downloaded"),
    audit.REPORT_CSV: _l("Report exported (CSV)"),
    audit.OFFLINE_GIFT_RECORDED: _l("Gift recorded (cheque, transfer or cash)"),
    audit.OFFLINE_GIFTS_IMPORTED: _l("Gifts imported (CSV)"),
    audit.OFFLINE_GIFT_CANCELLED: _l("Gift recorded by mistake cancelled"),
    audit.POSTAL_BATCH_PRINTED: _l("Receipts to post printed"),
    audit.DEPOSIT_SLIP_CREATED: _l("Cheque deposit slip made"),
    audit.DEPOSIT_SLIP_DOWNLOADED: _l("Cheque deposit slip downloaded"),
    audit.BANK_STATEMENT_IMPORTED: _l("Bank statement imported"),
    audit.BANK_CREDIT_MATCHED: _l("Bank credit matched by hand"),
    audit.CAMPAIGN_SAVED: _l("Campaign saved"),
}


_BY_TYPE: dict[type, dict] = {
    DonationKind: KINDS,
    DonationStatus: DONATION_STATUSES,
    TaxScheme: SCHEMES,
    PaymentStatus: PAYMENT_STATUSES,
    PaymentMethod: METHODS,
    ReceiptStatus: RECEIPT_STATUSES,
    ReceiptKind: RECEIPT_KINDS,
    StaffRole: ROLES,
    EventOutcome: EVENT_OUTCOMES,
    DonorType: DONOR_TYPES,
}


def label(value: object) -> str:
    """The label of a stored value (an enum member or an audit action); the raw value otherwise."""
    # Looked up by the value's own type: the enums share strings ("cancelled", "failed") with other meanings.
    table = _BY_TYPE.get(type(value))
    if table is not None:
        return str(table[value])
    if isinstance(value, str) and value in ACTIONS:
        return str(ACTIONS[value])
    return str(getattr(value, "value", value))
