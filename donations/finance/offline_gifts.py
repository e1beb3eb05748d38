"""Gifts the foundation receives itself: cheques, bank transfers and cash, recorded by finance.

A gift recorded here is a paid one-off (or IFI) donation with one payment of
its method, and gets its receipt at once from the same yearly sequence as the
Stripe gifts (`receipts.issuing.issue_for_payment`), its Cerfa box ticked by the
payment's method. Each payment carries a fingerprint of what identifies the gift
(method, date, amount, reference, donor), unique in the database: the same gift
typed twice, or imported twice, is recorded once. A gift recorded by mistake is
cancelled like a refund: its receipt cancelled, never deleted. Functions add and
flush; the caller commits, then runs the receipt effects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.finance import audit
from donations.models import (
    BankCredit,
    BankCreditStatus,
    Donation,
    DonationChannel,
    DonationKind,
    DonationStatus,
    Donor,
    DonorIdentity,
    DonorType,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StaffUser,
    TaxScheme,
)
from donations.receipting.service import ReceiptEffects
from donations.tax import TaxRules
from receipts.issuing import IssuingContext, follow_refund, issue_for_payment, receipts_covering

OFFLINE_METHODS = (PaymentMethod.CHEQUE, PaymentMethod.TRANSFER, PaymentMethod.CASH)
CHANNEL_OF = {
    PaymentMethod.CHEQUE: DonationChannel.CHEQUE,
    PaymentMethod.TRANSFER: DonationChannel.TRANSFER,
    PaymentMethod.CASH: DonationChannel.CASH,
}
MISTAKE = "Don enregistré par erreur"


class GiftRefused(Exception):
    """The gift cannot be recorded or cancelled as asked; `message` (translated lazily) says why."""

    def __init__(self, message: Any, existing: Payment | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.existing = existing


@dataclass(frozen=True)
class OfflineGift:
    """A gift received by cheque, transfer or cash, as finance typed or imported it (already checked)."""

    method: PaymentMethod
    amount_cents: int
    received_on: dt.date  # the cheque's date received, the transfer's date credited, the day of the cash
    identity: DonorIdentity
    email: str = ""
    reference: str = ""  # the cheque's number, the transfer's reference, a note for cash
    cheque_bank: str = ""
    scheme: TaxScheme | None = None  # by default income tax for a person, art. 238 bis for a company
    donor_id: int | None = None  # an existing donor chosen by finance after a search
    # A company's financial-year end ("MM-DD") as finance typed it: set on its record. None: the record's stays.
    financial_year_end: str | None = None

    @property
    def tax_scheme(self) -> TaxScheme:
        if self.scheme is not None:
            return self.scheme
        return TaxScheme.COMPANY if self.identity.donor_type == DonorType.COMPANY.value else TaxScheme.INCOME_TAX


def _folded(text: str) -> str:
    """Text compared as people mean it: no accents, no case, no spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).casefold()


def offline_key(gift: OfflineGift) -> str:
    """The fingerprint of a gift: what makes two records of it the same gift."""
    who = (
        gift.identity.siren
        if gift.identity.donor_type == DonorType.COMPANY.value
        else (f"{_folded(gift.identity.last_name)}/{_folded(gift.identity.first_name)}")
    )
    parts = [
        gift.method.value,
        gift.received_on.isoformat(),
        str(gift.amount_cents),
        _folded(gift.reference),
        who,
        _folded(gift.identity.postal_code),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def recorded_as(session: Session, gift: OfflineGift) -> Payment | None:
    """The payment already recorded for this gift, if any (cancelled ones count: they were recorded)."""
    return session.scalars(select(Payment).where(Payment.offline_key == offline_key(gift))).first()


def scheme_problem(gift: OfflineGift) -> Any | None:
    """Why the gift's tax scheme does not fit its donor, or None."""
    company = gift.identity.donor_type == DonorType.COMPANY.value
    if company and gift.tax_scheme != TaxScheme.COMPANY:
        return _l("A company gives under article 238 bis (scheme company).")
    if not company and gift.tax_scheme == TaxScheme.COMPANY:
        return _l("The company scheme (art. 238 bis) is for companies.")
    return None


def find_donor(session: Session, identity: DonorIdentity, email: str) -> Donor | None:
    """The donor record this gift belongs to: by email (and SIREN) when there is one, else by name and
    postal code for a person, or SIREN for a company."""
    donor_type = DonorType(identity.donor_type)
    query = select(Donor).where(Donor.donor_type == donor_type, Donor.erased_at.is_(None))
    if donor_type == DonorType.COMPANY:
        query = query.where(Donor.siren == identity.siren)
    if email:
        query = query.where(func.lower(Donor.email) == email.strip().lower())
    elif donor_type == DonorType.INDIVIDUAL:
        candidates = session.scalars(query.where(Donor.postal_code == identity.postal_code).order_by(Donor.id)).all()
        wanted = (_folded(identity.last_name), _folded(identity.first_name))
        return next((d for d in candidates if (_folded(d.last_name), _folded(d.first_name)) == wanted), None)
    return session.scalars(query.order_by(Donor.id)).first()


def _new_donor(identity: DonorIdentity, email: str) -> Donor:
    company = identity.donor_type == DonorType.COMPANY.value
    return Donor(
        donor_type=DonorType(identity.donor_type),
        email=email.strip().lower(),
        first_name=identity.first_name,
        last_name=identity.last_name,
        address_line1=identity.address_line1,
        address_line2=identity.address_line2 or None,
        postal_code=identity.postal_code,
        city=identity.city,
        country=identity.country,
        company_name=identity.company_name if company else None,
        legal_form=identity.legal_form if company else None,
        siren=identity.siren if company else None,
        locale="fr",
    )


def _rate(scheme: TaxScheme, rules: TaxRules) -> Any:
    return {
        TaxScheme.INCOME_TAX: rules.income_tax_rate,
        TaxScheme.IFI: rules.ifi_rate,
        TaxScheme.COMPANY: rules.company_rate,
    }[scheme]


def noon_in_paris(day: dt.date) -> dt.datetime:
    """The instant a payment known only by its day is recorded at: noon in Paris keeps that day in any zone."""
    return dt.datetime.combine(day, dt.time(12), PARIS).astimezone(dt.UTC)


def service_is_live(config: Any) -> bool:
    """Whether the service takes real money: a gift it receipts is then no SPECIMEN (a live Stripe key)."""
    return str(config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live_", "rk_live_"))


@dataclass(frozen=True)
class Recording:
    """What recording a gift takes from the configuration, as of now (see `recording_now`)."""

    rules: TaxRules
    ctx: IssuingContext
    livemode: bool
    # CHEQUE_TAX_DATE=cashed: a cheque's receipt waits for its deposit slip (the day it is cashed).
    cheques_wait_for_deposit: bool = False

    @property
    def today(self) -> dt.date:
        return self.ctx.today


def recording_now() -> Recording:
    """The tax rules in force, the issuing context and the mode of the running app."""
    from flask import current_app

    from donations.config import tax_rules_from
    from donations.receipting.service import issuing_context

    config = current_app.config
    return Recording(
        tax_rules_from(config),
        issuing_context(),
        service_is_live(config),
        cheques_wait_for_deposit=config.get("CHEQUE_TAX_DATE") == "cashed",
    )


def record_offline_gift(
    session: Session,
    gift: OfflineGift,
    *,
    rules: TaxRules,
    ctx: IssuingContext,
    livemode: bool,
    effects: ReceiptEffects,
    staff: StaffUser | None,
    ip: str | None,
    donation: Donation | None = None,
    audit_details: dict[str, Any] | None = None,
    wait_for_deposit: bool = False,
) -> Payment:
    """Record a gift received by cheque, transfer or cash, and issue its receipt.

    `donation`: an announced transfer this gift pays (by default a new paid
    donation). `wait_for_deposit`: a cheque gets its receipt when it is
    deposited (`donations.finance.offline_papers.make_deposit_slip`), dated that day. Raises `GiftRefused` when the same gift is already recorded or
    the scheme does not fit the donor. The receipt is added to `effects`, for
    the caller to run after its commit (PDF stored, emailed or left to post).
    """
    if gift.method not in OFFLINE_METHODS:
        raise GiftRefused(_l("Only cheques, transfers and cash are recorded here."))
    problem = scheme_problem(gift)
    if problem is not None:
        raise GiftRefused(problem)
    existing = recorded_as(session, gift)
    if existing is not None:
        raise GiftRefused(
            _l("This gift is already recorded (same method, date, amount, reference and donor)."), existing
        )
    if donation is None:
        donor = session.get(Donor, gift.donor_id) if gift.donor_id else find_donor(session, gift.identity, gift.email)
        if donor is None or donor.erased_at is not None:
            donor = _new_donor(gift.identity, gift.email)
            session.add(donor)
        if gift.financial_year_end and donor.donor_type == DonorType.COMPANY:
            donor.financial_year_end = gift.financial_year_end
        scheme = gift.tax_scheme
        donation = Donation(
            donor=donor,
            kind=DonationKind.IFI if scheme == TaxScheme.IFI else DonationKind.ONE_OFF,
            tax_scheme=scheme,
            tax_rate=_rate(scheme, rules),
            tax_rules=rules.as_dict(),
            amount_cents=gift.amount_cents,
            ifi_cents=gift.amount_cents if scheme == TaxScheme.IFI else 0,
            identity=gift.identity.to_json(),
            status=DonationStatus.PENDING,
            livemode=livemode,
            channel=CHANNEL_OF[gift.method],
        )
        session.add(donation)
    donation.move_to(DonationStatus.PAID)
    cheque = gift.method == PaymentMethod.CHEQUE
    waits = cheque and wait_for_deposit
    payment = Payment(
        donation=donation,
        amount_cents=gift.amount_cents,
        method=gift.method,
        status=PaymentStatus.SUCCEEDED,
        livemode=livemode,
        # The day decides the tax year (none yet for a cheque waiting to be cashed).
        received_at=None if waits else noon_in_paris(gift.received_on),
        received_on=None if waits else gift.received_on,
        cheque_received_on=gift.received_on if cheque else None,
        reference=gift.reference or None,
        cheque_bank=gift.cheque_bank or None,
        offline_key=offline_key(gift),
    )
    session.add(payment)
    session.flush()
    issued = issue_for_payment(session, payment, ctx)
    if issued is not None:
        effects.issued.append(issued)
    audit.record(
        session,
        staff,
        audit.OFFLINE_GIFT_RECORDED,
        donation,
        ip,
        {
            "payment": payment.id,
            "method": gift.method.value,
            "amount_cents": gift.amount_cents,
            "received_on": gift.received_on.isoformat(),
            "reference": gift.reference,
            "receipt": issued.receipt.number if issued else None,
            **(audit_details or {}),
        },
    )
    return payment


def cancel_offline_gift(
    session: Session, payment: Payment, reason: str, ctx: IssuingContext, staff: StaffUser | None, ip: str | None
) -> ReceiptEffects:
    """Cancel a gift recorded by mistake, as a refund of all of it: its receipt is cancelled (kept, its
    number never reused), the donation marked refunded, a bank credit it used freed for matching again."""
    if payment.method not in OFFLINE_METHODS:
        raise GiftRefused(_l("A payment received through Stripe is refunded, not cancelled here."))
    if payment.refunded_cents >= payment.amount_cents:
        raise GiftRefused(_l("This gift is already cancelled."))
    effects = ReceiptEffects()
    cancelled = [r.number for r in receipts_covering(session, payment)]
    effects.cancelled.extend(r.id for r in receipts_covering(session, payment))
    payment.refunded_cents = payment.amount_cents
    payment.donation.move_to(DonationStatus.REFUNDED)
    session.flush()
    effects.issued.extend(follow_refund(session, payment, ctx, f"{MISTAKE} : {reason}"[:200]))
    credit = session.scalars(select(BankCredit).where(BankCredit.payment_id == payment.id)).first()
    if credit is not None:
        credit.payment_id = None
        credit.status = BankCreditStatus.UNMATCHED
    audit.record(
        session,
        staff,
        audit.OFFLINE_GIFT_CANCELLED,
        payment.donation,
        ip,
        {"payment": payment.id, "reason": reason, "receipts_cancelled": cancelled},
    )
    session.flush()
    return effects
