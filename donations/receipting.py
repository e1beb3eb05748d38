"""The service's side of tax receipts: the issuing context from configuration,
the PDFs kept on disk, and what happens once a transaction has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from flask import current_app
from sqlalchemy.orm import Session

from donations import jobs
from donations.clock import utcnow
from donations.models import Payment, Receipt
from receipts.cerfa import draw_receipt
from receipts.identity import FoundationIdentity
from receipts.issuing import IssuingContext, Issued, follow_refund, issue_for_payment, receipts_covering
from receipts.snapshot import ReceiptSnapshot
from receipts.storage import ReceiptStore, sha256_of

log = logging.getLogger(__name__)


class ReceiptIntegrityError(RuntimeError):
    """A stored or redrawn PDF does not match the hash recorded at issue."""


def receipt_store() -> ReceiptStore:
    return ReceiptStore(current_app.config["RECEIPTS_DIR"])


def _signature_png() -> bytes | None:
    """The configured signature image, read once per process and kept by its hash for redraws."""
    cache = current_app.extensions.setdefault("receipt_signature", {})
    if "png" not in cache:
        path = current_app.config.get("FOUNDATION_SIGNATURE_IMAGE")
        cache["png"] = Path(path).read_bytes() if path else None
        if cache["png"]:
            _signature_path(sha256_of(cache["png"])).parent.mkdir(parents=True, exist_ok=True)
            _signature_path(sha256_of(cache["png"])).write_bytes(cache["png"])
    return cache["png"]


def _signature_path(sha: str) -> Path:
    return Path(current_app.config["RECEIPTS_DIR"]) / "signatures" / f"{sha}.png"


def _country_name(code: str) -> str:
    return Locale.parse("fr").territories.get(code, code)


def _verification_url(number: str, code: str) -> str:
    # Built from configuration, not the request: the January batch runs with no request.
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/receipts/verify/{number}?c={code}"


def issuing_context() -> IssuingContext:
    """Everything a receipt needs from the configuration, as of now."""
    return IssuingContext(
        foundation=FoundationIdentity.from_config(current_app.config),
        company_form_version=current_app.config["CERFA_COMPANY_VERSION"],
        now=utcnow(),
        verification_url=_verification_url,
        country_name=_country_name,
        signature_png=_signature_png(),
    )


@dataclass
class ReceiptEffects:
    """Receipts issued or cancelled in a transaction, to act on once it has committed."""

    issued: list[Issued] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def after_commit(self) -> None:
        """Store the new PDFs, then send the emails (in the background when workers run)."""
        if not self.issued and not self.cancelled:
            return
        store = receipt_store()
        for item in self.issued:
            if item.pdf is None:
                continue  # drawn by the job that emails it
            try:
                store.save(item.receipt.number, item.pdf)
            except OSError:
                # The receipt is committed; its PDF is drawn again from the snapshot when next needed.
                log.exception("receipt %s: could not store its PDF", item.receipt.number)
        for item in self.issued:
            jobs.enqueue("send_receipt_email", item.receipt.id)
        for receipt_id in self.cancelled:
            jobs.enqueue("send_cancellation_email", receipt_id)
        self.issued.clear()
        self.cancelled.clear()


@dataclass
class PaymentReceipts:
    """The fulfilment hooks that keep receipts in step with payments."""

    session: Session
    effects: ReceiptEffects = field(default_factory=ReceiptEffects)

    def payment_settled(self, payment: Payment) -> None:
        issued = issue_for_payment(self.session, payment, issuing_context())
        if issued is not None:
            self.effects.issued.append(issued)
            log.info("receipt %s issued for payment %s", issued.receipt.number, payment.id)

    def payment_refunded(self, payment: Payment) -> None:
        reason = "Litige perdu" if payment.dispute_status == "lost" else "Remboursement"
        cancelled = [r.id for r in receipts_covering(self.session, payment)]
        replacements = follow_refund(self.session, payment, issuing_context(), reason)
        self.effects.issued.extend(replacements)
        replaced = {item.receipt.replaces_id for item in replacements}
        # A replacement's own email tells the donor; a plain cancellation gets a notice.
        self.effects.cancelled.extend(rid for rid in cancelled if rid not in replaced)


def pdf_of(receipt: Receipt) -> bytes:
    """The receipt's PDF: the stored file, or drawn again from the snapshot when the file is lost.

    Either way it must hash as recorded at issue; anything else is an integrity
    error. A receipt of the January batch is drawn here the first time, and its
    hash recorded then (the caller commits).
    """
    store = receipt_store()
    pdf = store.load(receipt.number)
    if pdf is not None and receipt.pdf_sha256 is not None and sha256_of(pdf) == receipt.pdf_sha256:
        return pdf
    if pdf is not None and receipt.pdf_sha256 is not None:
        log.error("receipt %s: the stored PDF does not match its hash; drawing it again", receipt.number)
    snapshot = ReceiptSnapshot.from_json(receipt.snapshot)
    signature = None
    if snapshot.foundation.signature_sha256:
        signature = _signature_path(snapshot.foundation.signature_sha256).read_bytes()
    pdf = draw_receipt(snapshot, signature)
    if receipt.pdf_sha256 is None:
        receipt.pdf_sha256 = sha256_of(pdf)
    elif sha256_of(pdf) != receipt.pdf_sha256:
        raise ReceiptIntegrityError(f"receipt {receipt.number}: the redrawn PDF does not match its recorded hash")
    store.save(receipt.number, pdf)
    return pdf
