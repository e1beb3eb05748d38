"""No paid gift is lost to its receipt: a PDF that cannot be drawn or stored is reported and retried,
never a 500 to Stripe or to a download.

Everything is real: the sandbox's signed webhooks, the app over HTTP, a
signature file that is not a PNG, a RECEIPTS_DIR under a regular file (which
refuses writes even to root), and, where the machine lets the tests mount
file systems, a read-only and a full tmpfs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.models import DonationKind, DonationStatus, Donor, DonorType, Receipt
from donations.receipting.pdfs import pdf_of, receipt_store
from donations.receipting.service import issuing_context
from receipts.issuing import issue_for_payment
from tests.support.donor_portal import sign_in as donor_sign_in
from tests.support.factories import settled_payment
from tests.support.finance_staff import finance_client
from tests.support.live_gifts import attachment, pay
from tests.support.live_service import Live

STAFF_EMAIL, STAFF_PASSWORD = "compta@fondation.example", "correct horse battery staple"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 0, 90)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Path:
    """A RECEIPTS_DIR below a regular file: every mkdir and write fails, even for root."""
    plain = tmp_path / "a-regular-file"
    plain.write_text("not a directory")
    return plain / "receipts"


@pytest.fixture
def signature(tmp_path: Path) -> Path:
    path = tmp_path / "signature.png"
    path.write_bytes(png())
    return path


def finance_browser(live: Live):  # type: ignore[no-untyped-def]
    return finance_client(live.app)


def the_receipt(live: Live) -> Receipt:
    with live.app.app_context():
        receipt = db.session.scalars(select(Receipt)).one()
        db.session.expunge(receipt)
        return receipt


def stripe_saw_no_error(live: Live) -> None:
    status = live.sandbox.sandbox.webhook_status()
    assert status["failed_attempts"] == 0 and status["abandoned"] == 0, status


class TestAPdfThatCannotBeDrawn:
    @pytest.fixture
    def live_settings(self, smtp, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        broken = tmp_path / "signature.png"
        broken.write_bytes(b"this is not a PNG image")
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp[1]), "FOUNDATION_SIGNATURE_IMAGE": str(broken)}

    def test_the_payment_is_recorded_and_stripe_answered_2xx_and_finance_sees_the_problem(self, live: Live, give, smtp):  # type: ignore[no-untyped-def]
        mailbox, _ = smtp
        donation = pay(live, give, kind="one_off", amount="80")
        stripe_saw_no_error(live)
        assert donation.status == DonationStatus.PAID
        receipt = the_receipt(live)
        assert receipt.number.endswith("-000001") and receipt.pdf_sha256 is None and receipt.emailed_at is None
        assert "cannot be drawn" in (receipt.pdf_problem or "") and receipt.pdf_problem_at is not None

        finance = finance_browser(live)
        dashboard = finance.get("/finance/")
        assert receipt.number in dashboard.text and "pas pu être produit" in dashboard.text
        page = finance.get(f"/finance/donations/{donation.public_id}")
        assert "cannot be drawn" in page.text
        download = finance.get(f"/finance/receipts/{receipt.number}.pdf")
        assert download.status_code == 503 and "signalé au service financier" in download.text

        sign_in_mails = len(mailbox.messages)
        donor_sign_in(live, mailbox, "camille.martin@example.org")
        mine = live.get(f"/my/receipts/{receipt.number}.pdf")
        assert mine.status_code == 503 and "réessayer" in mine.text
        assert all("reçu fiscal" not in m["Subject"] for m in mailbox.messages[:sign_in_mails])

        again = live.app.test_cli_runner().invoke(args=["receipts", "send-pending"])
        assert again.exit_code == 1 and "1 still failing" in again.output and "1 still pending" in again.output


class TestAReceiptsDirThatRefusesWrites:
    @pytest.fixture
    def live_settings(self, smtp, unwritable_dir: Path, signature: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp[1]),
            "RECEIPTS_DIR": str(unwritable_dir),
            "FOUNDATION_SIGNATURE_IMAGE": str(signature),
        }

    def test_receipts_are_issued_emailed_and_downloaded_then_stored_once_it_is_fixed(
        self, live: Live, give, smtp, tmp_path
    ):  # type: ignore[no-untyped-def]
        mailbox, _ = smtp
        donation = pay(live, give, kind="one_off", amount="120")
        stripe_saw_no_error(live)
        assert donation.status == DonationStatus.PAID
        receipt = the_receipt(live)
        assert receipt.pdf_sha256 is not None and "not stored" in (receipt.pdf_problem or "")
        [message] = [m for m in mailbox.wait_for(1) if receipt.number in m["Subject"]]
        emailed = attachment(message)
        assert hashlib.sha256(emailed).hexdigest() == receipt.pdf_sha256

        finance = finance_browser(live)
        assert receipt.number in finance.get("/finance/").text
        download = finance.get(f"/finance/receipts/{receipt.number}.pdf")
        assert download.status_code == 200 and download.data == emailed
        donor_sign_in(live, mailbox, "camille.martin@example.org")
        mine = live.get(f"/my/receipts/{receipt.number}.pdf")
        assert mine.status_code == 200 and mine.content == emailed

        runner = live.app.test_cli_runner()
        still = runner.invoke(args=["receipts", "send-pending"])
        assert still.exit_code == 1 and "0 receipt PDF(s) drawn and stored, 1 still failing" in still.output
        live.app.config["RECEIPTS_DIR"] = str(tmp_path / "receipts-fixed")
        fixed = runner.invoke(args=["receipts", "send-pending"])
        assert fixed.exit_code == 0 and "1 receipt PDF(s) drawn and stored, 0 still failing" in fixed.output
        assert (tmp_path / "receipts-fixed" / receipt.number[:4] / f"{receipt.number}.pdf").read_bytes() == emailed
        assert the_receipt(live).pdf_problem is None
        assert "Every receipt PDF is drawn and stored" not in finance.get("/finance/").text  # shown in French
        assert "Tous les PDF de reçus sont produits et enregistrés" in finance.get("/finance/").text


def _mount_tmpfs(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, timeout=10
    )
    return done.returncode == 0


@pytest.fixture(params=["read-only", "full"])
def failing_mount(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A real file system that refuses the PDF: a tmpfs mounted read-only, or one filled to the last byte."""
    target = tmp_path / f"mount-{request.param}"
    options = "ro,size=64k" if request.param == "read-only" else "size=16k"
    if not _mount_tmpfs(target, options):
        pytest.skip("this machine does not let the tests mount a tmpfs (needs root and CAP_SYS_ADMIN)")
    try:
        if request.param == "full":
            try:
                with open(target / "filler", "wb", buffering=0) as filler:
                    while True:
                        filler.write(b"\0" * 4096)
            except OSError:
                pass  # ENOSPC: full to the last block
        yield target
    finally:
        subprocess.run(["umount", str(target)], capture_output=True, timeout=10)


def test_a_finance_download_from_a_read_only_or_full_receipts_dir_serves_the_pdf_drawn_from_its_snapshot(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], failing_mount: Path, tmp_path: Path
):
    app = make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "receipts"))
    with app.app_context():
        issued = issue_for_payment(db.session, settled_payment(db.session), issuing_context())
        pdf_of(issued.receipt)  # drawn, hashed and stored where RECEIPTS_DIR was then
        db.session.commit()
        number, sha = issued.receipt.number, issued.receipt.pdf_sha256
    app.config["RECEIPTS_DIR"] = str(failing_mount)  # the file is gone and the new place refuses it
    browser = finance_client(app)
    download = browser.get(f"/finance/receipts/{number}.pdf")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == sha
    with app.app_context():
        receipt = db.session.scalars(select(Receipt).where(Receipt.number == number)).one()
        assert "not stored" in receipt.pdf_problem
        assert "Read-only" in receipt.pdf_problem or "No space" in receipt.pdf_problem
    assert number in browser.get("/finance/").text


def test_a_january_recap_of_long_values_and_many_payments_gets_its_pdf(make_app: Callable[..., Any]):  # type: ignore[no-untyped-def]
    """A donor recorded with wide letters (as the form accepted them before) and a weekly rhythm of payments."""
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        donor = Donor(
            donor_type=DonorType.INDIVIDUAL,
            first_name=("Ｗ " * 50).strip(),
            last_name=("Ｍ " * 50).strip(),
            email="large@example.org",
            address_line1=("Ｗ " * 100).strip(),
            address_line2=("Ｍ " * 100).strip(),
            postal_code="75013",
            city=("Ｗ " * 50).strip(),
            country="FR",
            locale="fr",
        )
        for week in range(60):
            settled_payment(
                db.session,
                1500,
                DonationKind.MONTHLY,
                dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC) + dt.timedelta(days=6 * week),
                donor=donor,
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["receipts", "annual", "--year", "2025"])
    assert result.exit_code == 0 and "1 annual receipt(s) issued" in result.output
    browser = finance_client(app)
    with app.app_context():
        number = db.session.scalars(select(Receipt.number)).one()
    download = browser.get(f"/finance/receipts/{number}.pdf")
    assert download.status_code == 200
    assert len(PdfReader(io.BytesIO(download.data)).pages) == 1
    with app.app_context():
        receipt = db.session.scalars(select(Receipt)).one()
        assert receipt.pdf_problem is None and hashlib.sha256(download.data).hexdigest() == receipt.pdf_sha256


def test_a_lost_pdf_that_no_longer_redraws_to_its_recorded_hash_is_a_503_and_reported(make_app: Callable[..., Any]):  # type: ignore[no-untyped-def]
    """Say a receipt drawn by an older layout: its file lost, the redraw differs; it is never served altered."""
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        issued = issue_for_payment(db.session, settled_payment(db.session), issuing_context())
        pdf_of(issued.receipt)
        # A redraw is checked against the unsigned drawing's recorded hash (drawing_sha256).
        issued.receipt.pdf_sha256 = issued.receipt.drawing_sha256 = hashlib.sha256(
            b"the PDF an older layout drew"
        ).hexdigest()
        number = issued.receipt.number
        db.session.commit()
        receipt_store().path_for(number).unlink()
    browser = finance_client(app)
    answer = browser.get(f"/finance/receipts/{number}.pdf")
    assert answer.status_code == 503 and "signalé au service financier" in answer.text
    with app.app_context():
        problem = db.session.scalars(select(Receipt.pdf_problem).where(Receipt.number == number)).one()
    assert "does not match its recorded hash" in problem
