"""`flask receipts verify-storage` finds each stored PDF missing or altered, and `--repair` draws it again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from donations.extensions import db
from donations.models import Receipt, ReceiptCopy
from donations.receipting.pdfs import receipt_store, store_receipt_pdf
from donations.receipting.service import PaymentReceipts
from donations.receipting.storage_check import StorageProblem, verify_storage
from tests.support.factories import settled_payment


def _stored_receipts(app: Flask, count: int) -> list[str]:
    with app.app_context():
        for n in range(count):
            payment = settled_payment(db.session, 1000 + n)
            db.session.commit()
            receipts = PaymentReceipts(db.session)
            receipts.payment_settled(payment)
            db.session.commit()
            store_receipt_pdf(receipts.effects.issued[0].receipt.id)  # the job after the commit, without its email
        return list(db.session.scalars(select(Receipt.number).order_by(Receipt.id)))


def _path(app: Flask, number: str) -> Path:
    with app.app_context():
        return receipt_store().path_for(number)


def test_verify_storage_names_each_missing_or_altered_pdf_and_repair_draws_it_again(app: Flask) -> None:
    first, second, third = _stored_receipts(app, 3)
    runner = app.test_cli_runner()

    clean = runner.invoke(args=["receipts", "verify-storage"])
    assert clean.exit_code == 0, clean.output
    assert "3 stored PDF(s) checked, 3 match their hash, 0 problem(s)" in clean.output

    _path(app, first).unlink()  # lost with a disk
    altered = _path(app, second)
    altered.write_bytes(altered.read_bytes().replace(b"%%EOF", b"%%EOF\n% changed"))

    broken = runner.invoke(args=["receipts", "verify-storage"])
    assert broken.exit_code == 1
    assert f"MISSING     {first}" in broken.output and f"ALTERED     {second}" in broken.output
    assert third not in broken.output
    assert "3 stored PDF(s) checked, 1 match their hash, 2 problem(s)" in broken.output

    repaired = runner.invoke(args=["receipts", "verify-storage", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert f"repaired  {first}" in repaired.output and f"repaired  {second}" in repaired.output
    after = runner.invoke(args=["receipts", "verify-storage"])
    assert after.exit_code == 0 and "3 match their hash, 0 problem(s)" in after.output
    with app.app_context():
        receipt = db.session.scalars(select(Receipt).where(Receipt.number == first)).one()
        recorded = set(db.session.scalars(select(ReceiptCopy.sha256).where(ReceiptCopy.receipt_id == receipt.id)))
    assert hashlib.sha256(_path(app, first).read_bytes()).hexdigest() in recorded | {receipt.pdf_sha256}


def test_verify_storage_reads_the_receipts_a_page_at_a_time_and_can_check_one_year(app: Flask) -> None:
    numbers = _stored_receipts(app, 3)
    _path(app, numbers[2]).unlink()
    found: list[StorageProblem] = []
    with app.app_context():
        check = verify_storage(db.session, receipt_store(), found.append, page=1)
        year = int(numbers[0].split("-")[0])
        other_year = verify_storage(db.session, receipt_store(), found.append, year=year - 1)
    assert (check.checked, check.matching, check.problems) == (3, 2, 1)
    assert [(p.number, p.problem) for p in found] == [(numbers[2], "missing")]
    assert other_year.checked == 0
