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

import dataclasses
import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.models import (
    Donation,
    DonationKind,
    Donor,
    DonorIdentity,
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
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import (
    CURRENT_EDITION,
    SCHEMA_VERSION,
    DonorMentions,
    PaymentLine,
    ReceiptSnapshot,
)
from receipts.issuing_context import (  # noqa: F401  (moved there)
    _BOX_ORDER,
    ARTICLE_FOR_SCHEME,
    CERFA_PAYMENT_BOX,
    INDIVIDUAL_FORM_VERSION,
    ONLINE_PAYMENT,
    Issued,
    IssuingContext,
    donor_mentions,
    identity_of,
    payment_boxes,
)
from receipts.numbering import ReceiptNumber, next_number
from receipts.storage import sha256_of


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
    identity: DonorIdentity | None = None,
    split_with: str | None = None,
) -> Issued:
    """A receipt row with its frozen snapshot under `number` (the caller adds it to the session).

    The donor is named as their gifts were given (`identity`, by default that
    of the payments' donations, which must agree). With `link_payments` False
    the caller links the payments itself (the January batch inserts those
    rows in bulk).
    """
    # A replacement names the donor exactly as the receipt it replaces did.
    donor_as_printed = (
        DonorMentions.from_json(replaces.snapshot["donor"])
        if replaces is not None
        else donor_mentions(identity or identity_of(payments), ctx.country_name)
    )
    if replaces is None and donor_as_printed.donor_type == DonorType.COMPANY.value:
        # The company's financial-year end bounds its recap's period (checked by the snapshot); never printed.
        donor_as_printed = dataclasses.replace(donor_as_printed, financial_year_end=donor.financial_year_end or "12-31")
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
        foundation=ctx.foundation.signed_with(signature_sha),
        donor=donor_as_printed,
        amount_cents=amount_cents,
        articles=(article,),
        form_of_gift="declaration_de_don_manuel",
        nature="numeraire",
        payment_methods=payment_boxes(payments),
        paid_on=paid_on,
        period=period,
        payments=tuple(PaymentLine(p.received_on, p.kept_cents) for p in payments)  # type: ignore[arg-type]
        if kind == ReceiptKind.ANNUAL
        else (),  # type: ignore[arg-type]
        replaces=replaces.number if replaces is not None else None,
        verification_url=ctx.verification_url(number.text, code),
        split_with=split_with,
        edition=CURRENT_EDITION,  # a new receipt is drawn with the current wording; older ones keep theirs
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
    parts = split_parts(donation, payment.kept_cents)
    if len(parts) == 2:
        return _issue_split(session, ctx, payment, parts, replaces=(None, None))[0]
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


def split_parts(donation: Donation, kept_cents: int) -> list[tuple[str, int]]:
    """(article, cents) of what a gift keeps: for an IFI gift the donor split, the IFI part up to
    what was split off for it and the rest under art. 200 (a refund takes from the art. 200 part
    first, so the donor keeps the larger reduction); one part otherwise."""
    article = ARTICLE_FOR_SCHEME[donation.tax_scheme]
    if donation.tax_scheme != TaxScheme.IFI or donation.ifi_cents >= donation.amount_cents:
        return [(article, kept_cents)]
    ifi = min(kept_cents, donation.ifi_cents)
    parts = [("978", ifi), ("200", kept_cents - ifi)]
    return [(a, cents) for a, cents in parts if cents > 0]


def _issue_split(
    session: Session,
    ctx: IssuingContext,
    payment: Payment,
    parts: list[tuple[str, int]],
    replaces: tuple[Receipt | None, Receipt | None],
) -> list[Issued]:
    """The two receipts of a split IFI gift (art. 978, then art. 200), each naming the other."""
    numbers = [next_number(session, ctx.today.year) for _ in parts]
    issued = []
    for (article, cents), number, other, old in zip(parts, numbers, reversed(numbers), replaces, strict=False):
        item = new_receipt(
            ctx,
            number,
            donor=payment.donation.donor,
            article=article,
            kind=ReceiptKind.PER_GIFT,
            amount_cents=cents,
            payments=[payment],
            paid_on=payment.received_on,
            period=None,
            replaces=old,
            livemode=payment.livemode,
            draw=False,
            split_with=other.text,
        )
        session.add(item.receipt)
        issued.append(item)
    session.flush()
    return issued


def cancel_receipt(receipt: Receipt, reason: str, now: dt.datetime) -> bool:
    """Mark a receipt cancelled (kept, number never reused); False if it already was."""
    if not receipt.move_to(ReceiptStatus.CANCELLED):
        return False
    receipt.cancelled_at = now
    receipt.cancel_reason = reason[:200]
    return True


def follow_refund(session: Session, payment: Payment, ctx: IssuingContext, reason: str) -> list[Issued]:
    """A refund or a lost dispute: cancel every receipt covering the payment, and replace
    each by one for what the foundation still keeps, if anything.
    """
    issued: list[Issued] = []
    covering = receipts_covering(session, payment)
    split = sorted((r for r in covering if r.snapshot.get("split_with")), key=lambda r: r.article != "978")
    if split:
        # A split gift's two receipts are cancelled and re-issued together for what is kept.
        for receipt in split:
            cancel_receipt(receipt, reason, ctx.now)
        session.flush()
        parts = split_parts(payment.donation, payment.kept_cents)
        by_article = {r.article: r for r in split}
        if len(parts) == 2:
            issued += _issue_split(
                session, ctx, payment, parts, replaces=(by_article.get("978"), by_article.get("200"))
            )
        elif parts:
            article, cents = parts[0]
            replacement = issue_replacement(session, by_article.get(article) or split[0], ctx, cents)
            issued += [replacement] if replacement else []
        covering = [r for r in covering if r not in split]
    for receipt in covering:
        cancel_receipt(receipt, reason, ctx.now)
        session.flush()
        if receipt.kind == ReceiptKind.PER_GIFT:
            replacement = issue_replacement(session, receipt, ctx)
        else:
            replacement = _replacement_annual(session, receipt, ctx)
        if replacement is not None:
            issued.append(replacement)
    return issued


def issue_replacement(
    session: Session, old: Receipt, ctx: IssuingContext, amount_cents: int | None = None
) -> Issued | None:
    """A per-gift receipt replacing the cancelled `old` one, for what is kept.

    `amount_cents` defaults to what its payments keep after refunds; finance
    may state it when it cancels a receipt by hand. None when nothing is kept.
    """
    kept = sum(p.kept_cents for p in old.payments) if amount_cents is None else amount_cents
    if amount_cents is None and old.snapshot.get("split_with") and len(old.payments) == 1:
        kept = dict(split_parts(old.payments[0].donation, kept)).get(old.article, 0)
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
