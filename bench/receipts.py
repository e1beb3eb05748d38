"""Receipts issued per second through the service's own path, against the same
page drawn alone, measured in the same process; and the service's drawing
against bare reportlab drawing the same page.

The service's path, per receipt: the payment settles in a webhook's
transaction, the receipt takes its number from the yearly sequence, its
snapshot is frozen and its PDF drawn and hashed, the row is committed and the
PDF stored. The email job is timed apart (with workers it runs elsewhere;
inline, here with no SMTP server, it follows in the same process), and a
second ratio counts it in. The anchor draws the same receipt's page with
`receipts.document.cerfa.draw_receipt`.

The last ratio sets that drawing against bare reportlab (bench/bare_receipt.py):
the same strings at the same positions in the same embedded TrueType fonts,
the same boxes and QR code path, as plain canvas calls with no layout logic,
to the same PDF bytes; both in turn on each issued receipt's snapshot.

    .venv/bin/python bench/receipts.py [RECEIPTS]      (targets: issued >= 0.5; drawing / bare <= 1.2)
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from bench.bare_receipt import against_bare
from donations import create_app
from donations.extensions import db
from donations.models import Payment, Receipt
from donations.platform import jobs
from donations.receipting.emails import send_receipt_email
from donations.receipting.pdfs import store_receipt_pdf
from donations.receipting.service import PaymentReceipts
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import ReceiptSnapshot
from tests.support.factories import settled_payment


def main(count: int) -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                "RECEIPTS_DIR": f"{tmp}/receipts",
            }
        )
        with app.app_context():
            upgrade()
            payment_ids = [settled_payment(db.session, 5000 + i).id for i in range(count)]
            db.session.commit()

            issuing_seconds = email_seconds = 0.0
            for payment_id in payment_ids:
                started = time.perf_counter()
                receipts = PaymentReceipts(db.session)
                receipts.payment_settled(db.session.get(Payment, payment_id))
                db.session.commit()
                for item in receipts.effects.issued:
                    store_receipt_pdf(item.receipt.id)
                issued_at = time.perf_counter()
                for item in receipts.effects.issued:
                    jobs.enqueue(send_receipt_email, item.receipt.id)
                issuing_seconds += issued_at - started
                email_seconds += time.perf_counter() - issued_at
            issued = db.session.scalar(db.select(db.func.count()).select_from(Receipt))
            assert issued == count, f"{issued} receipts issued for {count} payments"
            snapshots = [ReceiptSnapshot.from_json(r.snapshot) for r in db.session.scalars(db.select(Receipt))]

        started = time.perf_counter()
        for snapshot in snapshots:
            draw_receipt(snapshot)
        anchor_seconds = time.perf_counter() - started
        drawing = against_bare(snapshots)

    issuing_rate = count / issuing_seconds
    inline_rate = count / (issuing_seconds + email_seconds)
    anchor_rate = count / anchor_seconds
    print(f"receipts issued through the service      : {issuing_rate:8.1f} /s  ({count} receipts, SQLite, PDF stored)")
    print(f"  … and emailed inline (no worker)       : {inline_rate:8.1f} /s")
    print(f"the same page drawn alone (draw_receipt) : {anchor_rate:8.1f} /s")
    print(f"ratio issued / drawn alone               : {issuing_rate / anchor_rate:8.2f}  (target >= 0.50)")
    print(f"ratio issued and emailed / drawn alone   : {inline_rate / anchor_rate:8.2f}")
    print(
        f"our drawing against bare reportlab      : {drawing.ours * 1000:8.2f} ms / {drawing.bare * 1000:.2f} ms a page "
        f"(same bytes, CPU time, {drawing.pages} pages in turn)"
    )
    print(
        f"ratio our drawing / bare reportlab      : {drawing.ratio:8.2f}  (target <= 1.20; median of the pages' ratios)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
