"""A payment's receipt, once issued, is drawn, stored and emailed by one job (`deliver_issued_receipt`):
a store that refuses the file does not hold the email back, the job raises so that it is retried, and
its next run stores the file without emailing the donor again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from donations.extensions import db
from donations.models import Receipt
from donations.receipting.delivery import deliver_issued_receipt
from donations.receipting.pdfs import ReceiptNotStored, receipt_store
from donations.receipting.service import PaymentReceipts
from tests.support.factories import settled_payment
from tests.support.mailbox import Mailbox, smtp_settings


def test_one_job_draws_stores_and_emails_once(make_app: Callable[..., Flask], smtp: tuple[Mailbox, int]) -> None:
    app = make_app(**smtp_settings(smtp))
    with app.app_context():
        receipts = PaymentReceipts(db.session)
        receipts.payment_settled(settled_payment(db.session, 4200))
        db.session.commit()
        receipts.effects.after_commit()  # no broker, not in a request: the job runs at once
        receipt = db.session.scalars(select(Receipt)).one()
        assert receipt.emailed_at is not None and receipt.pdf_problem is None
        number = receipt.number
        assert receipt_store().load(number) is not None
        deliver_issued_receipt(receipt.id)  # run again (a redelivered job): nothing more
    [message] = smtp[0].wait_for(2, timeout=0.5)
    assert number in message["Subject"]


def test_a_store_that_refuses_the_pdf_retries_it_without_a_second_email(
    make_app: Callable[..., Flask], smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    plain = tmp_path / "a-regular-file"
    plain.write_text("not a directory")
    app = make_app(**smtp_settings(smtp), RECEIPTS_DIR=str(plain / "receipts"))  # every write fails
    with app.app_context():
        receipts = PaymentReceipts(db.session)
        receipts.payment_settled(settled_payment(db.session, 4200))
        db.session.commit()
        receipt_id = receipts.effects.issued[0].receipt.id
        receipts.effects.issued.clear()
        with pytest.raises(ReceiptNotStored):
            deliver_issued_receipt(receipt_id)
        receipt = db.session.get(Receipt, receipt_id)
        assert receipt is not None and receipt.emailed_at is not None and receipt.pdf_problem is not None
        app.config["RECEIPTS_DIR"] = str(tmp_path / "receipts")  # the store is back
        deliver_issued_receipt(receipt_id)  # the retry
        db.session.expire_all()
        receipt = db.session.get(Receipt, receipt_id)
        assert receipt is not None and receipt.pdf_problem is None
        assert receipt_store().load(receipt.number) is not None
    assert len(smtp[0].wait_for(2, timeout=0.5)) == 1
