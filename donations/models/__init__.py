"""The service's data: one module per aggregate, all importable from here."""

from donations.models.donation import (
    Donation,
    DonationKind,
    DonationStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TaxScheme,
)
from donations.models.donor import Donor, DonorIdentity, DonorSignIn, DonorType
from donations.models.receipt import CopyReason, Receipt, ReceiptCopy, ReceiptForm, ReceiptKind, ReceiptSequence, ReceiptStatus, receipt_payment
from donations.models.staff import AuditEntry, StaffRole, StaffUser
from donations.models.stripe_event import EventOutcome, StripeEvent
from donations.models import search_text as _search_text  # noqa: F401  (keeps the search columns up to date)

__all__ = [
    "AuditEntry",
    "CopyReason",
    "Donation",
    "DonationKind",
    "DonationStatus",
    "Donor",
    "DonorIdentity",
    "DonorSignIn",
    "DonorType",
    "EventOutcome",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Receipt",
    "ReceiptCopy",
    "ReceiptForm",
    "ReceiptKind",
    "ReceiptSequence",
    "ReceiptStatus",
    "StaffRole",
    "StaffUser",
    "StripeEvent",
    "TaxScheme",
    "receipt_payment",
]
