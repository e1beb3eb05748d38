"""/receipts/verify/<number>?c=<code>: anyone holding a receipt can check it is genuine.

The page confirms the number, date, amount and status, and shows no personal
data. A wrong code answers like an unknown number, so numbers cannot be probed.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from donations.extensions import db
from donations.models import Receipt, ReceiptCopy
from donations.receipting.pdfs import receipt_signer

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


@bp.get("/verify/<number>")
def verify(number: str):  # type: ignore[no-untyped-def]
    code = request.args.get("c", "")
    receipt = db.session.scalars(select(Receipt).where(Receipt.number == number[:20])).first()
    if receipt is None or not hmac.compare_digest(receipt.verification_code.encode(), code.encode()):
        abort(404)
    replacement = db.session.scalars(select(Receipt).where(Receipt.replaces_id == receipt.id)).first()
    # How the holder checks the file itself: the signature of the copy stored now, if it is signed.
    copy = db.session.scalars(
        select(ReceiptCopy)
        .where(ReceiptCopy.receipt_id == receipt.id, ReceiptCopy.sha256 == receipt.pdf_sha256)
        .order_by(ReceiptCopy.id.desc())
    ).first()
    signed_copy = copy if copy is not None and copy.signed_at is not None else None
    # A copy signed by the configured certificate when it is self-signed (development, tests): say what Acrobat shows.
    signer = receipt_signer()
    self_signed = (
        signed_copy is not None
        and signer is not None
        and signer.self_signed
        and signer.subject[:300] == signed_copy.signed_by
    )
    return render_template(
        "receipting/verify.html",
        receipt=receipt,
        replacement=replacement,
        signed_copy=signed_copy,
        self_signed=self_signed,
    )
