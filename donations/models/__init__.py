"""The service's data: one module per aggregate, all importable from here."""

from donations.models.campaign import DEFAULT_CAMPAIGN_SLUG, Campaign
from donations.models.donation import (
    Donation,
    DonationKind,
    DonationStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TaxScheme,
    TributeKind,
)
from donations.models.donor import Donor, DonorIdentity, DonorSignIn, DonorType
from donations.models.receipt import CopyReason, Receipt, ReceiptCopy, ReceiptForm, ReceiptKind, ReceiptSequence, ReceiptStatus, receipt_payment
from donations.models.staff import AuditEntry, StaffRole, StaffUser
from donations.models.stripe_event import EventOutcome, StripeEvent

__all__ = [
    "DEFAULT_CAMPAIGN_SLUG",
    "Campaign",
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
    "TributeKind",
    "receipt_payment",
]
