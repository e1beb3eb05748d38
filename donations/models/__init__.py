"""The service's data: one module per aggregate, all importable from here."""

from donations.models import books_upkeep as _books_upkeep  # noqa: F401  (keeps the accounting rollups up to date)
from donations.models import donation_counts as _donation_counts  # noqa: F401  (counts the donations per status)
from donations.models import monthly_upkeep as _monthly_upkeep  # noqa: F401  (keeps the monthly-donors report's counters)
from donations.models import rollup_upkeep as _rollup_upkeep  # noqa: F401  (keeps the dashboard's rollups up to date)
from donations.models import search_text as _search_text  # noqa: F401  (keeps the search columns up to date)
from donations.models.campaign import DEFAULT_CAMPAIGN_SLUG, Campaign
from donations.models.donation import (
    Donation,
    DonationChannel,
    DonationKind,
    DonationStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TaxScheme,
    TributeKind,
)
from donations.models.donor import Donor, DonorIdentity, DonorSignIn, DonorType
from donations.models.monthly_rollup import MonthlyDonorsMonth, MonthlyGiftMonth, MonthlyGiftStop
from donations.models.offline import BankCredit, BankCreditStatus, DepositSlip
from donations.models.operations import AlertState, AnnualBatchRun, BatchRunStatus
from donations.models.payout import PaymentReversal, Payout, PayoutLine, ReversalKind
from donations.models.receipt import (
    CopyReason,
    Receipt,
    ReceiptCopy,
    ReceiptForm,
    ReceiptKind,
    ReceiptSequence,
    ReceiptStatus,
    receipt_payment,
)
from donations.models.rollup import FinanceDay, FinanceDonorPeriod, Span
from donations.models.rollup_books import (
    FinanceBookDay,
    FinanceDonationStatus,
    FinancePeriodDonors,
    FinanceReceiptYear,
)
from donations.models.staff import AuditEntry, StaffRole, StaffUser
from donations.models.stripe_event import EventOutcome, StripeEvent

__all__ = [
    "DEFAULT_CAMPAIGN_SLUG",
    "AlertState",
    "AnnualBatchRun",
    "AuditEntry",
    "BankCredit",
    "BankCreditStatus",
    "BatchRunStatus",
    "Campaign",
    "CopyReason",
    "DepositSlip",
    "Donation",
    "DonationChannel",
    "DonationKind",
    "DonationStatus",
    "Donor",
    "DonorIdentity",
    "DonorSignIn",
    "DonorType",
    "EventOutcome",
    "FinanceBookDay",
    "FinanceDay",
    "FinanceDonationStatus",
    "FinanceDonorPeriod",
    "FinancePeriodDonors",
    "FinanceReceiptYear",
    "MonthlyDonorsMonth",
    "MonthlyGiftMonth",
    "MonthlyGiftStop",
    "Payment",
    "PaymentMethod",
    "PaymentReversal",
    "PaymentStatus",
    "Payout",
    "PayoutLine",
    "Receipt",
    "ReceiptCopy",
    "ReceiptForm",
    "ReceiptKind",
    "ReceiptSequence",
    "ReceiptStatus",
    "ReversalKind",
    "Span",
    "StaffRole",
    "StaffUser",
    "StripeEvent",
    "TaxScheme",
    "TributeKind",
    "receipt_payment",
]
