"""The ZIP of a period's receipts: every PDF and an index, streamed in bounded memory."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.extensions import db
from donations.models import AuditEntry, Receipt
from donations.receipting.pdfs import receipt_store
from donations.receipting.service import issuing_context
from receipts.issuing import issue_for_payment
from tests.support.bulk import insert_receipts
from tests.support.exports import index_of
from tests.support.factories import settled_payment
from tests.support.pages import confirm

RECEIPTS = 2000


def test_the_zip_of_a_period_holds_each_receipt_and_an_index(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _, first, _ = paid_gift(5000)
    _, second, _ = paid_gift(12000)
    confirm(finance, f"/finance/receipts/{second}/cancel", reason="Erreur", kept_amount="100", confirm="y")
    year = first[:4]
    page = finance.get(f"/finance/receipts?date_from={year}-01-01&date_to={year}-12-31&lang=en")
    assert "3 receipts issued in this period." in page.text
    answer = finance.get(f"/finance/receipts.zip?date_from={year}-01-01&date_to={year}-12-31")
    assert answer.status_code == 200 and answer.mimetype == "application/zip" and answer.is_streamed
    assert answer.headers["Content-Disposition"] == f'attachment; filename="recus-fiscaux-{year}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 4 and names[-1] == "index.csv"
    with app.app_context():
        for name in names[:-1]:
            stored = receipt_store().load(name.removesuffix(".pdf"))
            # The cancelled receipt comes as its stamped copy: the stored PDF, then the stamp appended.
            assert archive.read(name) == stored if name != f"{second}.pdf" else archive.read(name).startswith(stored)
    index = index_of(archive)
    assert [row["copy"] for row in index] == ["as_issued", "stamped_cancelled", "as_issued"]
    assert [(row["file"], row["status"], row["amount"]) for row in index] == [
        (f"{first}.pdf", "issued", "50,00"),
        (f"{second}.pdf", "cancelled", "120,00"),
        (names[2], "issued", "100,00"),
    ]
    assert index[2]["replaces"] == second
    assert index[0]["payments"].split(" ")[1:3] == ["card", "50,00"] and index[2]["payments"] == index[1]["payments"]
    # Art. L14 A LPF: each receipt traces back to its payments, with the day received and Stripe's ids.
    for row in index:
        day, _method, _amount, *stripe_ids = row["payments"].split(" ")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) and day.startswith(year), row
        assert any(re.fullmatch(r"pi_\w+", i) for i in stripe_ids), row
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "receipts.zip")).all()
        assert entry.details == {"from": f"{year}-01-01", "to": f"{year}-12-31"}

    empty = zipfile.ZipFile(
        io.BytesIO(finance.get("/finance/receipts.zip?date_from=2001-01-01&date_to=2001-01-31").data)
    )
    assert empty.namelist() == ["index.csv"] and index_of(empty) == []
    assert finance.get("/finance/receipts.zip?date_from=2026-02-01&date_to=2026-01-01").status_code == 400
    assert finance.get("/finance/receipts.zip").status_code == 400


def test_a_zip_of_2000_receipts_streams_with_bounded_memory(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any], tmp_path: Path
) -> None:
    _, number, _ = paid_gift()
    with app.app_context():
        pdf = receipt_store().load(number)
        assert pdf is not None and len(pdf) > 20_000
        insert_receipts(db.session, receipt_store(), RECEIPTS, 2025, pdf)

    answer = finance.get("/finance/receipts.zip?date_from=2025-01-01&date_to=2025-12-31")
    target = tmp_path / "receipts.zip"
    tracemalloc.start()
    try:
        with target.open("wb") as out:
            for chunk in answer.response:
                out.write(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        answer.close()
    size = target.stat().st_size
    assert size > RECEIPTS * len(pdf)
    # The archive is about 100 MB; streaming holds a few receipts and one batch of rows at a time.
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB archive"
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert len(names) == RECEIPTS + 1 and names[0] == "2025-000001.pdf" and names[-2] == f"2025-{RECEIPTS:06d}.pdf"
        assert archive.read(names[RECEIPTS // 2]) == pdf
        assert len(index_of(archive)) == RECEIPTS


def test_a_receipt_whose_pdf_cannot_be_drawn_leaves_a_note_in_the_zip_and_the_others_come(  # type: ignore[no-untyped-def]
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any], tmp_path: Path
) -> None:
    _, good, _ = paid_gift(5000)
    broken = tmp_path / "signature.png"
    broken.write_bytes(b"not a PNG")  # the receipt records this image: it can never be drawn
    app.config["FOUNDATION_SIGNATURE_IMAGE"] = str(broken)
    with app.app_context():
        app.extensions.pop("receipt_signature", None)
        bad = issue_for_payment(db.session, settled_payment(db.session, 7000), issuing_context()).receipt.number
        db.session.commit()
    year = good[:4]
    answer = finance.get(f"/finance/receipts.zip?date_from={year}-01-01&date_to={year}-12-31")
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert archive.testzip() is None
    assert archive.namelist() == [f"{good}.pdf", f"{bad}.pdf.indisponible.txt", "index.csv"]
    assert "tableau de bord" in archive.read(f"{bad}.pdf.indisponible.txt").decode()
    with app.app_context():
        assert "cannot be drawn" in db.session.scalars(select(Receipt.pdf_problem).where(Receipt.number == bad)).one()
