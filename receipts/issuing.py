"""Issue, cancel and replace tax receipts.

A receipt states money actually received and kept. It is issued in the
transaction that records the money (per gift) or by the January batch
(annual recaps, see `receipts.annual`), takes its number from the yearly
sequence in that same transaction, and is never changed afterwards except
to be marked cancelled. Functions add and flush; the caller commits, then
draws and stores the PDFs and sends the emails: recording the money never
depends on drawing a PDF.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.clock import paris_date
from donations.models import (
    DonationKind,
    Donor,
    DonorType,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptForm,
    ReceiptKind,
    ReceiptStatus,
    TaxScheme,
    receipt_payment,
)
from receipts.cerfa import draw_receipt
from receipts.identity import FoundationIdentity
from receipts.numbering import ReceiptNumber, next_number
from receipts.snapshot import SCHEMA_VERSION, DonorMentions, FoundationMentions, PaymentLine, ReceiptSnapshot
from receipts.storage import sha256_of

INDIVIDUAL_FORM_VERSION = "11580*05"
ARTICLE_FOR_SCHEME = {TaxScheme.INCOME_TAX: "200", TaxScheme.IFI: "978", TaxScheme.COMPANY: "238 bis"}
# The Cerfa groups transfer, direct debit and card in one box; cards and SEPA debits both tick it.
ONLINE_PAYMENT = "virement_prelevement_carte"


@dataclass(frozen=True)
class IssuingContext:
    """What every receipt needs besides the gift: who issues it, when, and how it is verified."""

    foundation: FoundationIdentity
    company_form_version: str
    now: dt.datetime
    verification_url: Callable[[str, str], str]  # (number, code) -> URL
    country_name: Callable[[str], str]
    signature_png: bytes | None = None

    @property
    def today(self) -> dt.date:
        return paris_date(self.now)


@dataclass(frozen=True)
class Issued:
    """A receipt just issued, with its PDF when drawn (`new_receipt(draw=True)`).

    Receipts are issued without drawing (`pdf` is None): once the transaction
    has committed, the PDF is drawn, stored and its hash recorded by a job, so
    that a PDF that cannot be drawn never undoes the payment it receipts.
    """

    receipt: Receipt
    pdf: bytes | None


def donor_mentions(donor: Donor, country_name: Callable[[str], str]) -> DonorMentions:
    """The donor as the receipt prints them, frozen from today's record."""
    company = donor.donor_type == DonorType.COMPANY
    return DonorMentions(
        donor_type=donor.donor_type.value,
        first_name=donor.first_name or "",
        last_name=donor.last_name or "",
        company_name=(donor.company_name or "") if company else "",
        legal_form=(donor.legal_form or "") if company else "",
        siren=(donor.siren or "") if company else "",
        address_line1=donor.address_line1,
        address_line2=donor.address_line2 or "",
        postal_code=donor.postal_code,
        city=donor.city,
        country=donor.country,
        country_name=country_name(donor.country),
    )


def _issue(session: Session, ctx: IssuingContext, **facts: Any) -> Issued:
    """Take the next number, build the receipt with its snapshot (drawn after the commit), add and flush it."""
    issued = new_receipt(ctx, next_number(session, ctx.today.year), draw=False, **facts)
    session.add(issued.receipt)
    session.flush()
    return issued


def new_receipt(
    ctx: IssuingContext,
    number: ReceiptNumber,
    *,
    donor: Donor,
    article: str,
    kind: ReceiptKind,
    amount_cents: int,
    payments: list[Payment],
    paid_on: dt.date | None,
    period: tuple[dt.date, dt.date] | None,
    replaces: Receipt | None,
    livemode: bool,
    draw: bool,
    link_payments: bool = True,
) -> Issued:
    """A receipt row with its frozen snapshot under `number` (the caller adds it to the session).

    With `link_payments` False the caller links the payments itself (the
    January batch inserts those rows in bulk).
    """
    # A replacement names the donor exactly as the receipt it replaces did.
    donor_as_printed = (
        DonorMentions.from_json(replaces.snapshot["donor"]) if replaces is not None else donor_mentions(donor, ctx.country_name)
    )
    form = ReceiptForm.COMPANY if article == "238 bis" else ReceiptForm.INDIVIDUAL
    code = secrets.token_urlsafe(12)
    signature_sha = sha256_of(ctx.signature_png) if ctx.signature_png else ""
    snapshot = ReceiptSnapshot(
        schema=SCHEMA_VERSION,
        number=number.text,
        form=form.value,
        form_version=ctx.company_form_version if form == ReceiptForm.COMPANY else INDIVIDUAL_FORM_VERSION,
        kind=kind.value,
        specimen=not livemode,
        issued_on=ctx.today,
        foundation=FoundationMentions.from_identity(ctx.foundation, signature_sha),
        donor=donor_as_printed,
        amount_cents=amount_cents,
        articles=(article,),
        form_of_gift="declaration_de_don_manuel",
        nature="numeraire",
        payment_methods=(ONLINE_PAYMENT,),
        paid_on=paid_on,
        period=period,
        payments=tuple(PaymentLine(p.received_on, p.kept_cents) for p in payments) if kind == ReceiptKind.ANNUAL else (),
        replaces=replaces.number if replaces is not None else None,
        verification_url=ctx.verification_url(number.text, code),
    )
    pdf = draw_receipt(snapshot, ctx.signature_png) if draw else None
    receipt = Receipt(
        number=number.text,
        year=number.year,
        sequence=number.sequence,
        form=form,
        kind=kind,
        article=article,
        donor=donor,
        amount_cents=amount_cents,
        snapshot=snapshot.to_json(),
        verification_code=code,
        status=ReceiptStatus.ISSUED,
        livemode=livemode,
        issued_at=ctx.now,
        pdf_sha256=sha256_of(pdf) if pdf is not None else None,
        replaces=replaces,
    )
    if link_payments:
        receipt.payments = list(payments)
    return Issued(receipt, pdf)


def receipts_covering(session: Session, payment: Payment) -> list[Receipt]:
    """The issued receipts that include this payment."""
    return list(
        session.scalars(
            select(Receipt)
            .join(receipt_payment, receipt_payment.c.receipt_id == Receipt.id)
            .where(receipt_payment.c.payment_id == payment.id, Receipt.status == ReceiptStatus.ISSUED)
        )
    )


def gets_receipt_per_gift(payment: Payment) -> bool:
    """One-off and IFI gifts get their receipt at once; monthly gifts wait for the annual recap."""
    return payment.donation.kind in (DonationKind.ONE_OFF, DonationKind.IFI)


def issue_for_payment(session: Session, payment: Payment, ctx: IssuingContext) -> Issued | None:
    """The per-gift receipt of a settled payment, for the amount kept; None when none is due.

    Idempotent: a payment already covered by an issued receipt gets nothing new.
    """
    if not gets_receipt_per_gift(payment) or payment.status != PaymentStatus.SUCCEEDED:
        return None
    if payment.kept_cents <= 0 or payment.received_on is None or receipts_covering(session, payment):
        return None
    donation = payment.donation
    return _issue(
        session,
        ctx,
        donor=donation.donor,
        article=ARTICLE_FOR_SCHEME[donation.tax_scheme],
        kind=ReceiptKind.PER_GIFT,
        amount_cents=payment.kept_cents,
        payments=[payment],
        paid_on=payment.received_on,
        period=None,
        replaces=None,
        livemode=payment.livemode,
    )


def cancel_receipt(receipt: Receipt, reason: str, now: dt.datetime) -> bool:
    """Mark a receipt cancelled (kept, number never reused); False if it already was."""
    if receipt.status == ReceiptStatus.CANCELLED:
        return False
    receipt.status = ReceiptStatus.CANCELLED
    receipt.cancelled_at = now
    receipt.cancel_reason = reason[:200]
    return True


def follow_refund(session: Session, payment: Payment, ctx: IssuingContext, reason: str) -> list[Issued]:
    """A refund or a lost dispute: cancel every receipt covering the payment, and replace
    each by one for what the foundation still keeps, if anything.
    """
    issued: list[Issued] = []
    for receipt in receipts_covering(session, payment):
        cancel_receipt(receipt, reason, ctx.now)
        session.flush()
        if receipt.kind == ReceiptKind.PER_GIFT:
            replacement = issue_replacement(session, receipt, ctx)
        else:
            replacement = _replacement_annual(session, receipt, ctx)
        if replacement is not None:
            issued.append(replacement)
    return issued


def issue_replacement(session: Session, old: Receipt, ctx: IssuingContext, amount_cents: int | None = None) -> Issued | None:
    """A per-gift receipt replacing the cancelled `old` one, for what is kept.

    `amount_cents` defaults to what its payments keep after refunds; finance
    may state it when it cancels a receipt by hand. None when nothing is kept.
    """
    kept = sum(p.kept_cents for p in old.payments) if amount_cents is None else amount_cents
    if kept <= 0:
        return None
    return _issue(
        session,
        ctx,
        donor=old.donor,
        article=old.article,
        kind=ReceiptKind.PER_GIFT,
        amount_cents=kept,
        payments=list(old.payments),
        paid_on=min(p.received_on for p in old.payments if p.received_on),
        period=None,
        replaces=old,
        livemode=old.livemode,
    )


def _replacement_annual(session: Session, old: Receipt, ctx: IssuingContext) -> Issued | None:
    kept_payments = [p for p in old.payments if p.kept_cents > 0]
    if not kept_payments:
        return None
    start, end = (dt.date.fromisoformat(day) for day in old.snapshot["period"])
    return issue_annual(session, old.donor, kept_payments, old.article, (start, end), ctx, replaces=old)


def issue_annual(
    session: Session,
    donor: Donor,
    payments: Iterable[Payment],
    article: str,
    period: tuple[dt.date, dt.date],
    ctx: IssuingContext,
    replaces: Receipt | None = None,
) -> Issued | None:
    """One annual recap for a donor: the payments kept in the period, each listed."""
    kept = sorted((p for p in payments if p.kept_cents > 0 and p.received_on), key=lambda p: (p.received_on, p.id))
    if not kept:
        return None
    return _issue(
        session,
        ctx,
        donor=donor,
        article=article,
        kind=ReceiptKind.ANNUAL,
        amount_cents=sum(p.kept_cents for p in kept),
        payments=kept,
        paid_on=None,
        period=period,
        replaces=replaces,
        livemode=all(p.livemode for p in kept),
    )
