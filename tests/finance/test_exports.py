"""CSV exports as a French spreadsheet reads them, and one receipt's PDF, each download audited."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.extensions import db
from donations.finance.exports import DECLARATION_COLUMNS, DONATION_COLUMNS, RECEIPT_COLUMNS
from donations.models import AuditEntry, DonationKind
from donations.receipting.pdfs import receipt_store
from tests.support.pages import confirm, text_of


def read_french_csv(body: bytes) -> list[dict[str, str]]:
    """Read the file as a French spreadsheet does: UTF-8 with BOM, `;` between fields."""
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def audited(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return list(entries)


def test_donations_export_reads_back_with_the_french_dialect(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    quoted, _, _ = paid_gift(123456, last_name='Dupré; "fils"')
    ifi, _, _ = paid_gift(50000, DonationKind.IFI, last_name="Lefèvre")
    answer = finance.get("/finance/donations.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="dons.csv"'
    rows = read_french_csv(answer.data)
    assert list(rows[0]) == list(DONATION_COLUMNS)
    by_id = {row["donation"]: row for row in rows}
    assert by_id[quoted]["last_name"] == 'Dupré; "fils"'
    assert (by_id[quoted]["amount"], by_id[quoted]["received"], by_id[quoted]["refunded"]) == (
        "1234,56",
        "1234,56",
        "0,00",
    )
    assert (by_id[ifi]["last_name"], by_id[ifi]["kind"], by_id[ifi]["amount"]) == ("Lefèvre", "ifi", "500,00")

    only_ifi = read_french_csv(finance.get("/finance/donations.csv?kind=ifi&q=Lef%C3%A8vre").data)
    assert [row["donation"] for row in only_ifi] == [ifi]
    [first, second] = audited(app, "donations.export")
    assert first.details == {} and second.details == {"kind": "ifi", "q": "Lefèvre"}


def test_text_a_donor_typed_cannot_become_a_spreadsheet_formula(
    finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    paid_gift(1000, first_name='=HYPERLINK("http://evil.example")', city="+33 Paris")
    [row] = read_french_csv(finance.get("/finance/donations.csv").data)
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example")' and row["city"] == "'+33 Paris"
    assert row["amount"] == "10,00"


def test_receipts_export_lists_the_receipts_of_the_filtered_donations(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    one_off, number, _ = paid_gift(3000)
    paid_gift(7000, DonationKind.IFI)
    confirm(finance, f"/finance/receipts/{number}/cancel", reason="Erreur de montant", kept_amount="20,50", confirm="y")
    rows = read_french_csv(finance.get(f"/finance/receipts.csv?q={one_off}").data)
    assert list(rows[0]) == list(RECEIPT_COLUMNS)
    assert [(r["number"], r["status"], r["amount"], r["replaces"], r["cancel_reason"]) for r in rows] == [
        (number, "cancelled", "30,00", "", "Erreur de montant"),
        (rows[1]["number"], "issued", "20,50", number, ""),
    ]
    assert rows[0]["specimen"] == "yes" and rows[0]["article"] == "200"
    # Each receipt traces back to its payment (art. L14 A LPF), the replacement to the same one.
    traced = rows[0]["payments"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} card 30,00 pi_factory_\d+", traced) and rows[1]["payments"] == traced
    assert len(read_french_csv(finance.get("/finance/receipts.csv").data)) == 3
    assert len(audited(app, "receipts.export")) == 2


def test_a_large_export_is_streamed_in_chunks(app: Flask, finance: FlaskClient) -> None:
    from tests.support.factories import settled_payment

    with app.app_context():
        for _ in range(450):
            settled_payment(db.session, 1000)
        db.session.commit()
    answer = finance.get("/finance/donations.csv")
    assert answer.is_streamed
    chunks = list(answer.response)
    assert len(chunks) >= 3
    assert len(read_french_csv(b"".join(chunks))) == 450


def test_declaration_totals_show_on_a_page_and_as_csv(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _, number, _ = paid_gift(10000, livemode=True)
    paid_gift(250000, DonationKind.IFI, livemode=True)
    _, cancelled, _ = paid_gift(999, livemode=True)
    paid_gift(777)  # a SPECIMEN (test mode): no money received, never declared
    confirm(finance, f"/finance/receipts/{cancelled}/cancel", reason="Doublon", confirm="y")
    year = number[:4]
    text = text_of(finance.get(f"/finance/declaration?year={year}&lang=en").text)
    assert "200 1 100,00 €" in text and "978 1 2 500,00 €" in text and "Total 2 2 600,00 €" in text
    assert "1 SPECIMEN receipt (test mode) is left out." in text
    rehearsal = text_of(finance.get(f"/finance/declaration?year={year}&specimens=1&lang=en").text)
    assert "Total 3 2 607,77 €" in rehearsal and "do not declare them" in rehearsal
    answer = finance.get(f"/finance/declaration.csv?year={year}")
    rows = read_french_csv(answer.data)
    assert list(rows[0]) == list(DECLARATION_COLUMNS)
    assert [(r["article"], r["receipts"], r["amount"]) for r in rows] == [
        ("200", "1", "100,00"),
        ("978", "1", "2500,00"),
        ("238 bis", "0", "0,00"),
        ("total", "2", "2600,00"),
    ]
    assert answer.headers["Content-Disposition"] == f'attachment; filename="article-222-bis-{year}.csv"'
    assert audited(app, "declaration.export")[0].details == {"year": int(year), "specimens": False}
    assert finance.get("/finance/declaration?year=abc").status_code == 400


def test_one_receipt_downloads_as_its_stored_pdf_and_is_audited(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _, number, _ = paid_gift()
    answer = finance.get(f"/finance/receipts/{number}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    with app.app_context():
        assert answer.data == receipt_store().load(number)
    [entry] = audited(app, "receipt.download")
    assert (entry.target_type, entry.target_id, entry.ip_address) == ("receipt", number, "127.0.0.1")
    assert finance.get("/finance/receipts/2020-999999.pdf").status_code == 404
