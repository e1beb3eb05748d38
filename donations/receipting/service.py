"""The service's side of tax receipts: the issuing context from configuration, and what
happens once a transaction that issued or cancelled receipts has committed (PDFs: `pdfs`;
emails: `emails`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from babel import Locale
from flask import current_app
from sqlalchemy.orm import Session

from donations.clock import utcnow
from donations.models import Payment
from donations.platform.jobs import enqueue
from donations.receipting.delivery import deliver_issued_receipt
from donations.receipting.emails import send_cancellation_email
from donations.receipting.pdfs import signature_png
from receipts.annual import follow_late_payment
from receipts.document.snapshot import FoundationMentions
from receipts.issuing import Issued, IssuingContext, follow_refund, issue_for_payment, receipts_covering
from receipts.restoring import restore_receipts

log = logging.getLogger(__name__)


def _country_name(code: str) -> str:
    return Locale.parse("fr").territories.get(code, code)


def _verification_url(number: str, code: str) -> str:
    # Built from configuration, not the request: the January batch runs with no request.
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/receipts/verify/{number}?c={code}"


def issuing_context() -> IssuingContext:
    """Everything a receipt needs from the configuration, as of now."""
    return IssuingContext(
        foundation=FoundationMentions.from_config(current_app.config),
        company_form_version=current_app.config["CERFA_COMPANY_VERSION"],
        now=utcnow(),
        verification_url=_verification_url,
        country_name=_country_name,
        signature_png=signature_png(),
    )


@dataclass
class ReceiptEffects:
    """Receipts issued or cancelled in a transaction, to act on once it has committed."""

    issued: list[Issued] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def after_commit(self) -> None:
        """Draw and store the new PDFs, then send the emails (in the background when workers run).

        The receipts are committed already: a PDF that cannot be drawn or
        stored now is reported to finance and drawn again later, never lost.
        """
        if not self.issued and not self.cancelled:
            return
        issued_ids = [item.receipt.id for item in self.issued]  # read once: a failing job rolls the session back
        for receipt_id in issued_ids:
            enqueue(deliver_issued_receipt, receipt_id)  # one job: drawn, stored, then emailed
        for receipt_id in self.cancelled:
            enqueue(send_cancellation_email, receipt_id)
        self.issued.clear()
        self.cancelled.clear()


@dataclass
class PaymentReceipts:
    """The fulfilment hooks that keep receipts in step with payments."""

    session: Session
    effects: ReceiptEffects = field(default_factory=ReceiptEffects)

    def payment_settled(self, payment: Payment) -> None:
        ctx = issuing_context()
        issued = issue_for_payment(self.session, payment, ctx)
        if issued is not None:
            self.effects.issued.append(issued)
            log.info("receipt %s issued for payment %s", issued.receipt.number, payment.id)
            return
        for replacement in follow_late_payment(self.session, payment, ctx):
            self.effects.issued.append(replacement)
            log.info(
                "recap %s replaces %s: payment %s settled late",
                replacement.receipt.number,
                replacement.receipt.replaces.number if replacement.receipt.replaces else "?",
                payment.id,
            )

    def payment_refunded(self, payment: Payment) -> None:
        reason = "Litige perdu" if payment.dispute_status == "lost" else "Remboursement"
        cancelled = [r.id for r in receipts_covering(self.session, payment)]
        replacements = follow_refund(self.session, payment, issuing_context(), reason)
        self.effects.issued.extend(replacements)
        replaced = {item.receipt.replaces_id for item in replacements}
        # A replacement's own email tells the donor; a plain cancellation gets a notice.
        self.effects.cancelled.extend(rid for rid in cancelled if rid not in replaced)

    def refund_reversed(self, payment: Payment) -> None:
        """A refund failed or a dispute was won on appeal: a receipt again for what is kept."""
        restored = restore_receipts(self.session, payment, issuing_context())
        self.effects.issued.extend(restored)
        for item in restored:
            log.info(
                "receipt %s issued for payment %s: money given back to the foundation", item.receipt.number, payment.id
            )
