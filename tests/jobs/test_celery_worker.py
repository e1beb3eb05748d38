"""With a broker, jobs run on a real Celery worker (on a Redis database of the test's own, tests/support/redis_databases.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from donations.extensions import db
from donations.models import Receipt
from donations.receipting.pdfs import receipt_store
from donations.receipting.service import PaymentReceipts
from tests.support.celery_workers import CeleryWorker
from tests.support.factories import settled_payment
from tests.support.mailbox import Mailbox


def test_receipt_email_is_sent_by_a_celery_worker(
    make_app: Callable[..., Flask], database_url: str, tmp_path: Path, smtp: tuple[Mailbox, int], redis_url: str
) -> None:
    mailbox, port = smtp
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "worker-test",
        "FLASK_ENV_NAME": "development",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_WEBHOOK_SECRET": "whsec_test_suite",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "CELERY_BROKER_URL": redis_url,
        "RECEIPTS_DIR": str(tmp_path / "receipts"),
    }
    worker = CeleryWorker({**os.environ, **settings}, tmp_path / "worker.log", "jobs")
    try:
        app = make_app(**{k: v for k, v in settings.items() if k != "FLASK_ENV_NAME"})
        with app.app_context():
            payment = settled_payment(db.session, 4200)
            db.session.commit()
            receipts = PaymentReceipts(db.session)
            receipts.payment_settled(payment)
            db.session.commit()
            receipts.effects.after_commit()  # queues the receipt's one job for the worker
            [message] = mailbox.wait_for(1, timeout=30)
            assert "Votre reçu fiscal" in message["Subject"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                db.session.expire_all()
                if db.session.scalars(select(Receipt)).one().emailed_at is not None:
                    break
                time.sleep(0.1)
            receipt = db.session.scalars(select(Receipt)).one()
            assert receipt.emailed_at is not None
            # One job drew, stored and emailed it (not a job to store the PDF and another to email it).
            assert receipt.pdf_sha256 is not None and receipt_store().load(receipt.number) is not None
            assert worker.jobs_received == 1, worker.output()
            assert mailbox.wait_for(2, timeout=0.5) == [message]
    finally:
        worker.stop()
