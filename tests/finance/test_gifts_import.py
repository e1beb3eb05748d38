"""Importing offline gifts from CSV: `flask gifts import FILE` and the back office's upload; idempotent, all-or-nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.models import AuditEntry, Payment, PaymentMethod, Receipt
from donations.platform.jobs import wait_for_inline_jobs
from donations.receipting.pdfs import pdf_of
from tests.support.offline_gifts import day, gift_form, ticked
from tests.support.pages import form_fields, text_of

HEADER = (
    "date_received;method;amount;donor_type;first_name;last_name;company_name;legal_form;siren;email;"
    "address_line1;address_line2;postal_code;city;country;reference;scheme"
)


def good_file() -> str:
    return (
        "\n".join(
            [
                HEADER,
                f"{day(3)};cheque;50;individual;Jeanne;Durand;;;;jeanne@example.org;12 rue des Lilas;;69003;Lyon;FR;0001234;",
                f"{day(3)};transfer;1 234,56;company;;;Dupont Industries;SAS;732 829 320;compta@dupont.example;1 quai Nord;Bât. B;75019;Paris;FR;VIR-77;company",
                f"{day(2)};cash;50,00;individual;Paul;Martin;;;;;3 place Bellecour;;69002;Lyon;FR;;income_tax",
                f"{day(1)};cheque;50.00;individual;Anna;Schmidt;;;;;Hauptstraße 5;;10115;Berlin;DE;998877;ifi",
            ]
        )
        + "\n"
    )


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, encoding: str = "utf-8-sig") -> Path:
        path = tmp_path / "dons.csv"
        path.write_bytes(text.encode(encoding))
        return path

    return write


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return db.session.query(Payment).count(), db.session.query(Receipt).count()


def test_the_command_imports_every_gift_with_its_receipt_and_a_second_run_records_nothing(app: Flask, csv_file) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(good_file())  # with a BOM, as spreadsheets save "CSV UTF-8"
    result = app.test_cli_runner().invoke(args=["gifts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 gift(s) recorded, 0 already recorded and skipped." in result.output
    assert counts(app) == (4, 4)
    with app.app_context():
        payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
        assert [p.amount_cents for p in payments] == [5000, 123456, 5000, 5000]
        assert [p.method for p in payments] == [
            PaymentMethod.CHEQUE,
            PaymentMethod.TRANSFER,
            PaymentMethod.CASH,
            PaymentMethod.CHEQUE,
        ]
        receipts = db.session.scalars(select(Receipt).order_by(Receipt.sequence)).all()
        assert [r.article for r in receipts] == ["200", "238 bis", "200", "978"]
        boxes = [
            ticked(
                " ".join(
                    " ".join(pg.extract_text().replace("\u00a0", " ").replace("\u202f", " ").split())
                    for pg in PdfReader(io.BytesIO(pdf_of(r))).pages
                )
            )
            for r in receipts
        ]
        # The company form words its box "Virement, prélèvement ou carte bancaire": the individual's label does not match.
        assert boxes[0] == ["Chèque"] and boxes[2] == ["Remise d'espèces"] and boxes[3] == ["Chèque"]
        assert (
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "gifts.import")).one().details["recorded"]
            == 4
        )
    again = app.test_cli_runner().invoke(args=["gifts", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert "0 gift(s) recorded, 4 already recorded and skipped." in again.output
    assert "line 2: already recorded" in again.output
    assert counts(app) == (4, 4)


def test_a_file_with_bad_lines_records_nothing_and_names_each_bad_line(app: Flask, csv_file) -> None:  # type: ignore[no-untyped-def]
    lines = good_file().splitlines()
    lines.insert(2, f"{day(1)};bitcoin;12;individual;Luc;Petit;;;;;1 rue A;;75001;Paris;FR;;")
    lines.insert(4, "31/12/2026;cheque;1,234;individual;;Vide;;;;pas-un-email;1 rue B;;7500;Paris;FR;;")
    path = csv_file("\n".join(lines) + "\n")
    result = app.test_cli_runner().invoke(args=["gifts", "import", str(path)])
    assert result.exit_code != 0
    assert "line 3: method: expected cheque, transfer or cash" in result.output
    line5 = next(line for line in result.output.splitlines() if line.startswith("line 5:"))
    for problem in ("date_received", "amount", "first_name: required", "email", "postal_code", "reference"):
        assert problem in line5
    assert "nothing recorded: 2 line(s) to correct" in result.output
    assert counts(app) == (0, 0)


def test_a_line_matching_a_gift_typed_by_hand_is_skipped(app: Flask, finance: FlaskClient, csv_file) -> None:  # type: ignore[no-untyped-def]

    page = finance.get("/finance/gifts/new")
    typed = gift_form(received_on=day(3), amount="50", reference="0001234", email="jeanne@example.org")
    assert (
        finance.post(
            "/finance/gifts/new", data={"csrf_token": form_fields(page.text)["csrf_token"], **typed}
        ).status_code
        == 303
    )
    assert wait_for_inline_jobs(app)
    result = app.test_cli_runner().invoke(args=["gifts", "import", str(csv_file(good_file()))])
    assert "3 gift(s) recorded, 1 already recorded and skipped." in result.output, result.output
    assert counts(app) == (4, 4)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe d a t e", "not UTF-8"),
        (b"", "empty"),
        (b"date_received,method,amount\n2026-01-01,cheque,5\n", "missing columns"),
        ((HEADER + "\n").encode(), "no gift"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(
    app: Flask, csv_file, tmp_path: Path, content: bytes, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["gifts", "import", str(path)])
    assert result.exit_code != 0 and message in result.output
    assert counts(app) == (0, 0)


def test_the_back_office_upload_reports_each_line_and_refuses_a_bad_file(app: Flask, finance: FlaskClient) -> None:
    page = finance.get("/finance/gifts/import")
    assert page.status_code == 200
    token = form_fields(page.text)["csrf_token"]
    bad = good_file().replace(";cash;50,00;", ";cash;zéro;")
    answer = finance.post(
        "/finance/gifts/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "dons.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "Ligne 4 : amount : Veuillez saisir un montant" in text_of(answer.text)
    assert counts(app) == (0, 0)
    answer = finance.post(
        "/finance/gifts/import",
        data={"csrf_token": token, "file": (io.BytesIO(good_file().encode()), "dons.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200 and wait_for_inline_jobs(app)
    assert "4 don(s) enregistré(s), 0 déjà enregistré(s) et ignoré(s)." in text_of(answer.text)
    assert "Ligne 2 : enregistré, reçu n°" in text_of(answer.text)
    again = finance.post(
        "/finance/gifts/import",
        data={"csrf_token": token, "file": (io.BytesIO(good_file().encode()), "dons.csv")},
        content_type="multipart/form-data",
    )
    assert wait_for_inline_jobs(app)
    assert "0 don(s) enregistré(s), 4 déjà enregistré(s) et ignoré(s)." in text_of(again.text)
    assert counts(app) == (4, 4)
    assert (
        finance.post(
            "/finance/gifts/import", data={"csrf_token": token}, content_type="multipart/form-data"
        ).status_code
        == 400
    )
