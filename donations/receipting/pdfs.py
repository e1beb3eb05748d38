"""Receipt PDFs: drawn from the frozen snapshot, signed, stored on disk, checked against the
hash recorded at issue, redrawn after a loss and recorded as a copy.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from donations.clock import utcnow
from donations.extensions import db
from donations.models import CopyReason, Receipt, ReceiptCopy, ReceiptStatus
from donations.receipting.signing_settings import signer_from_config
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import ReceiptSnapshot
from receipts.signing import ReceiptSigner, TimestampUnavailable, http_timestamper, sign
from receipts.storage import ReceiptStore, sha256_of

log = logging.getLogger(__name__)


class ReceiptUnavailable(RuntimeError):
    """A receipt's PDF cannot be drawn from its snapshot (its layout, its signature image, its hash)."""


class ReceiptIntegrityError(ReceiptUnavailable):
    """A stored or redrawn PDF does not match the hash recorded at issue."""


def receipt_store() -> ReceiptStore:
    return ReceiptStore(current_app.config["RECEIPTS_DIR"])


def signature_png() -> bytes | None:
    """The configured signature image, read once per process and kept by its hash for redraws.

    Keeping the copy is best effort: issuing a receipt (in the webhook's
    transaction) must not depend on RECEIPTS_DIR being writable; the copy is
    tried again by the next issue, and a redraw falls back on the configured file.
    """
    cache = current_app.extensions.setdefault("receipt_signature", {})
    if "png" not in cache:
        path = current_app.config.get("FOUNDATION_SIGNATURE_IMAGE")
        cache["png"] = Path(path).read_bytes() if path else None
    if cache["png"] and not cache.get("kept"):
        copy = _signature_path(sha256_of(cache["png"]))
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(cache["png"])
            cache["kept"] = True
        except OSError:
            log.error("could not keep a copy of the signature image in %s", copy.parent, exc_info=True)
    return cache["png"]


def _signature_path(sha: str) -> Path:
    return Path(current_app.config["RECEIPTS_DIR"]) / "signatures" / f"{sha}.png"


def _signature_for(sha: str) -> bytes:
    """The signature image a receipt recorded (by its sha256): the kept copy, else the configured file."""
    try:
        return _signature_path(sha).read_bytes()
    except OSError:
        configured = signature_png()
        if configured and sha256_of(configured) == sha:
            return configured
        raise ReceiptUnavailable(f"the signature image {sha[:12]}… is neither kept nor configured") from None


def pdf_of(receipt: Receipt) -> bytes:
    """The receipt's PDF: the stored file, or drawn again from the snapshot when the file is lost.

    The stored file must hash as a copy recorded for the receipt; a file drawn
    again must first draw exactly as recorded at issue (its unsigned drawing's
    hash), anything else is an integrity error. With a signing certificate the
    drawing is then signed, and the signed file is the one stored, hashed and
    recorded: a redraw is signed again (a new signing time, new bytes) and
    recorded as a new copy of the same receipt. A receipt not drawn yet (the
    PDF is drawn after the commit that issued it) is drawn here the first
    time, and its hashes recorded then (the caller commits). A store that
    cannot be read or written does not stop the PDF: it is drawn from the
    snapshot and the storage error noted on the receipt for finance
    (`pdf_problem`). Raises `ReceiptUnavailable` when the PDF cannot be drawn
    as recorded.
    """
    store = receipt_store()
    try:
        pdf = store.load(receipt.number)
    except OSError as error:
        log.error("receipt %s: its stored PDF cannot be read (%s); drawing it from the snapshot", receipt.number, error)
        pdf = None
    if pdf is not None and receipt.pdf_sha256 is not None and _is_recorded_copy(receipt, sha256_of(pdf)):
        _problem_solved(receipt)
        return pdf
    if pdf is not None and receipt.pdf_sha256 is not None:
        log.error("receipt %s: the stored PDF does not match its hash; drawing it again", receipt.number)
    pdf = _new_copy(receipt)
    try:
        store.save(receipt.number, pdf)
    except OSError as error:
        log.error("receipt %s: could not store its PDF (%s); served from its snapshot", receipt.number, error)
        _note_problem(receipt, f"PDF not stored: {error}")
    else:
        _problem_solved(receipt)
    return pdf


def _is_recorded_copy(receipt: Receipt, sha: str) -> bool:
    """Whether a file is the receipt's current copy or an earlier one (each is genuine, and signed alike)."""
    if sha == receipt.pdf_sha256:
        return True
    return (
        db.session.scalar(
            select(ReceiptCopy.id).where(ReceiptCopy.receipt_id == receipt.id, ReceiptCopy.sha256 == sha).limit(1)
        )
        is not None
    )


def _new_copy(receipt: Receipt, reason: CopyReason | None = None) -> bytes:
    """Draw the receipt from its snapshot, check the drawing, sign it when a certificate is configured,
    and record the file as the receipt's current copy."""
    drawing = _drawn(receipt)
    drawing_sha = sha256_of(drawing)
    first = receipt.pdf_sha256 is None
    # Receipts stored before signing have no drawing hash: their pdf_sha256 is the unsigned drawing's.
    recorded = receipt.drawing_sha256 or receipt.pdf_sha256
    if recorded is not None and drawing_sha != recorded:
        raise ReceiptIntegrityError(f"receipt {receipt.number}: the redrawn PDF does not match its recorded hash")
    signer = receipt_signer()
    signed_at = utcnow() if signer is not None else None
    pdf = drawing if signer is None else _signed(receipt, drawing, signer)
    receipt.drawing_sha256 = drawing_sha
    sha = sha256_of(pdf)
    if sha != receipt.pdf_sha256:
        receipt.pdf_sha256 = sha
        db.session.add(
            ReceiptCopy(
                receipt_id=receipt.id,
                sha256=sha,
                reason=reason or (CopyReason.ISSUED if first else CopyReason.REDRAWN),
                signed_at=signed_at,
                signed_by=signer.subject[:300] if signer is not None else None,
            )
        )
    return pdf


def _signed(receipt: Receipt, drawing: bytes, signer: ReceiptSigner) -> bytes:
    """The drawing signed, with the TSA's timestamp when one is configured (B-T).

    A TSA that gives no timestamp within its timeout never holds a receipt
    back: the drawing is signed without it (B-B, valid and tamper-evident all
    the same), the receipt is marked `timestamp_missing_since`, and
    `timestamp_missing_pdfs` (run by `receipts send-pending`) signs it again
    with a timestamp once the TSA answers.
    """
    started = time.perf_counter()
    timestamper = receipt_timestamper()
    try:
        try:
            pdf = sign(drawing, signer, timestamper)
        except TimestampUnavailable as error:
            log.warning("receipt %s: %s; signed without a timestamp, to timestamp later", receipt.number, error)
            pdf = sign(drawing, signer)
            if receipt.timestamp_missing_since is None:
                receipt.timestamp_missing_since = utcnow()
        else:
            receipt.timestamp_missing_since = None
    except Exception as error:  # whatever pyHanko or the key raises: reported and retried, never a 500
        raise ReceiptUnavailable(f"receipt {receipt.number}: its PDF cannot be signed: {error!r}") from error
    log.debug("receipt %s signed in %.0f ms", receipt.number, (time.perf_counter() - started) * 1000)
    return pdf


def receipt_timestamper() -> Any:
    """The configured RFC 3161 client (RECEIPT_TSA_URL), or None for B-B signatures; built once per app."""
    cache = current_app.extensions.setdefault("receipt_signer", {})
    if "timestamper" not in cache:
        url = current_app.config.get("RECEIPT_TSA_URL")
        cache["timestamper"] = http_timestamper(url, current_app.config["RECEIPT_TSA_TIMEOUT"]) if url else None
    return cache["timestamper"]


def timestamp_missing_pdfs() -> tuple[int, int]:
    """Sign again, with the TSA's timestamp, each issued receipt stored without one; (timestamped, still missing).

    Each is drawn from its snapshot (checked against its recorded drawing
    hash), signed B-T and stored as a new copy (`CopyReason.TIMESTAMPED`);
    the earlier copy stays recorded. A cancelled receipt keeps its stored file.
    """
    if receipt_signer() is None or receipt_timestamper() is None:
        return 0, 0
    ids = db.session.scalars(
        select(Receipt.id)
        .where(Receipt.timestamp_missing_since.is_not(None), Receipt.status == ReceiptStatus.ISSUED)
        .order_by(Receipt.id)
    ).all()
    done = missing = 0
    for k, receipt_id in enumerate(ids):
        receipt = db.session.get(Receipt, receipt_id)
        if receipt is None:
            continue
        try:
            pdf = _new_copy(receipt, CopyReason.TIMESTAMPED)
            if receipt.timestamp_missing_since is not None:  # the TSA is still silent: nothing stored, and
                db.session.rollback()  # the others wait for the next run rather than a timeout each
                missing += len(ids) - k
                break
            receipt_store().save(receipt.number, pdf)
        except (ReceiptUnavailable, OSError) as error:
            log.error("receipt %s: could not be timestamped again: %s", receipt_id, error)
            db.session.rollback()
            missing += 1
            continue
        db.session.commit()
        done += 1
    return done, missing


def receipt_signer() -> ReceiptSigner | None:
    """The configured receipt signer, built once per application (start-up has checked the settings)."""
    cache = current_app.extensions.setdefault("receipt_signer", {})
    if "signer" not in cache:
        cache["signer"] = signer_from_config(current_app.config)
    return cache["signer"]


def _drawn(receipt: Receipt) -> bytes:
    """The PDF drawn from the receipt's frozen snapshot (ReceiptUnavailable when it cannot be)."""
    try:
        snapshot = ReceiptSnapshot.from_json(receipt.snapshot)
        signature = (
            _signature_for(snapshot.foundation.signature_sha256) if snapshot.foundation.signature_sha256 else None
        )
        return draw_receipt(snapshot, signature)
    except ReceiptUnavailable:
        raise
    except Exception as error:  # LayoutError, a bad snapshot or signature image, or what reportlab raises
        raise ReceiptUnavailable(f"receipt {receipt.number}: its PDF cannot be drawn: {error!r}") from error


def _note_problem(receipt: Receipt, problem: str) -> None:
    receipt.pdf_problem = problem[:500]
    receipt.pdf_problem_at = utcnow()


def _problem_solved(receipt: Receipt) -> None:
    if receipt.pdf_problem is not None:
        log.info("receipt %s: its PDF is drawn and stored again", receipt.number)
        receipt.pdf_problem = None
        receipt.pdf_problem_at = None


def pdf_or_report(receipt: Receipt) -> bytes:
    """`pdf_of`, and when the PDF cannot be drawn, the problem recorded for finance before raising.

    The problem is committed on its own (the caller's transaction is rolled
    back first), so that it survives whatever the caller does next.
    """
    try:
        return pdf_of(receipt)
    except ReceiptUnavailable as error:
        log.error("%s", error)
        receipt_id = receipt.id
        db.session.rollback()
        _record_problem(receipt_id, str(error))
        raise


def _record_problem(receipt_id: int, problem: str) -> None:
    try:
        found = db.session.get(Receipt, receipt_id)
        if found is not None:
            _note_problem(found, problem)
            db.session.commit()
    except Exception:  # the database may be what fails: the log keeps the problem then
        db.session.rollback()
        log.exception("could not record the PDF problem of receipt %s", receipt_id)


def downloaded_pdf(receipt: Receipt) -> bytes | None:
    """The PDF to send to a person who downloads the receipt, or None when it cannot be drawn.

    Never raises for a missing, unreadable or unwritable file (the PDF is then
    drawn from the snapshot, checked against its recorded hash, and the storage
    error noted for finance); the caller commits what was noted, or answers
    `receipt_unavailable()` for None.
    """
    try:
        return pdf_or_report(receipt)
    except ReceiptUnavailable:
        return None


def receipt_unavailable() -> tuple[Any, int]:
    """The 503 page of a receipt whose PDF cannot be drawn now (finance has been told)."""
    from donations.platform.web import error_response

    return error_response(
        503,
        _(
            "This receipt cannot be produced at the moment. The problem has been reported to the foundation's "
            "finance team; please try again later."
        ),
    )


class ReceiptNotStored(RuntimeError):
    """The PDF was drawn but could not be stored (the job is retried)."""


def store_receipt_pdf(receipt_id: int) -> None:
    """Draw a just-issued receipt's PDF, record its hash and store it; raises so that it is retried."""
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None:
        return
    pdf_or_report(receipt)
    problem = receipt.pdf_problem
    db.session.commit()
    if problem:
        raise ReceiptNotStored(f"receipt {receipt.number}: {problem}")


def redraw_problem_pdfs() -> tuple[int, int]:
    """Draw and store every PDF whose last attempt failed; (now stored, still failing)."""
    ids = db.session.scalars(select(Receipt.id).where(Receipt.pdf_problem.is_not(None)).order_by(Receipt.id)).all()
    stored = failing = 0
    for receipt_id in ids:
        try:
            store_receipt_pdf(receipt_id)
            stored += 1
        except (ReceiptUnavailable, ReceiptNotStored):
            failing += 1
    return stored, failing
