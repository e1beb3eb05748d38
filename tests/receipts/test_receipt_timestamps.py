"""PAdES B-T: with RECEIPT_TSA_URL each receipt's signature carries an RFC 3161 timestamp.

The TSA is real, on localhost (tests/support/tsa.py: pyHanko's DummyTimeStamper behind an HTTP
server), so the service posts a genuine `application/timestamp-query` over HTTP. pyHanko's
validator checks the token, poppler's `pdfsig` the signature. A TSA that is down (a closed port)
or silent (connection accepted, no answer) never holds a receipt back: past RECEIPT_TSA_TIMEOUT
the receipt is signed B-B, stored, marked, and `receipts send-pending` timestamps it later.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from donations.config import ConfigError, load_config, validate
from donations.extensions import db
from donations.models import CopyReason, Receipt, ReceiptCopy
from donations.receipting.pdfs import pdf_of, receipt_store, store_receipt_pdf, timestamp_missing_pdfs
from donations.receipting.service import issuing_context
from receipts.issuing import issue_for_payment
from receipts.self_signed import make_self_signed
from receipts.storage import sha256_of
from tests.support.factories import settled_payment
from tests.support.tsa import LocalTSA, closed_port_url, filler_certificates, local_tsa, silent_tsa

SIGNER = "Fondation pour la recherche sur le cerveau"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed(tmp_path_factory.mktemp("receipt-signing"), SIGNER, organisation=SIGNER)


@pytest.fixture
def tsa() -> Any:
    with local_tsa() as running:
        yield running


@pytest.fixture
def app_with(make_app: Callable[..., Any], certificate: tuple[Path, Path]) -> Callable[..., Any]:
    """The app signing receipts with the test certificate, with the TSA settings given."""
    key, cert = certificate

    def build(**tsa_settings: str) -> Any:
        return make_app(
            MAIL_SERVER="", RECEIPT_SIGNING_KEY_FILE=str(key), RECEIPT_SIGNING_CERT_FILE=str(cert), **tsa_settings
        )

    return build


def issued_and_stored(app: Any) -> tuple[str, float]:
    """A receipt issued and committed, then stored by the after-commit job: (its number, seconds the job took)."""
    with app.app_context():
        issued = issue_for_payment(db.session, settled_payment(db.session), issuing_context())
        db.session.commit()
        receipt_id, number = issued.receipt.id, issued.receipt.number
        started = time.monotonic()
        store_receipt_pdf(receipt_id)  # raises when the PDF is not stored: the job would be retried
        return number, time.monotonic() - started


def stored(app: Any, number: str) -> tuple[bytes, Receipt, list[ReceiptCopy]]:
    with app.app_context():
        receipt = db.session.scalars(select(Receipt).where(Receipt.number == number)).one()
        copies = list(
            db.session.scalars(select(ReceiptCopy).where(ReceiptCopy.receipt_id == receipt.id).order_by(ReceiptCopy.id))
        )
        pdf = receipt_store().load(number)
        db.session.expunge_all()
    assert pdf is not None
    return pdf, receipt, copies


def validated(pdf: bytes, cert_file: Path, tsa_root: asn1_x509.Certificate | None):  # type: ignore[no-untyped-def]
    """pyHanko's verdict on the one signature, trusting the test signer and the test TSA's root."""
    _, _, der = pem.unarmor(cert_file.read_bytes())
    signer_context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)])
    tsa_context = ValidationContext(trust_roots=[tsa_root]) if tsa_root is not None else None
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko runs an event loop of its own
        return pool.submit(validate_pdf_signature, signature, signer_context, tsa_context).result()


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def assert_timestamped(pdf: bytes, certificate: tuple[Path, Path], tsa: LocalTSA, tmp_path: Path) -> None:
    status = validated(pdf, certificate[1], tsa.identity.root)
    assert status.intact and status.valid
    token = status.timestamp_validity
    assert token is not None and token.intact and token.valid and token.trusted
    assert abs((token.timestamp - status.signer_reported_dt).total_seconds()) < 60
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def assert_signed_without_timestamp(pdf: bytes, certificate: tuple[Path, Path], tmp_path: Path) -> None:
    status = validated(pdf, certificate[1], None)
    assert status.intact and status.valid and status.timestamp_validity is None
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report


def test_a_receipt_is_signed_b_t_with_a_token_the_tsa_gave_over_http(
    app_with: Callable[..., Any], certificate: tuple[Path, Path], tsa: LocalTSA, tmp_path: Path
) -> None:
    app = app_with(RECEIPT_TSA_URL=tsa.url)
    number, _ = issued_and_stored(app)
    pdf, receipt, copies = stored(app, number)
    # One RFC 3161 request, posted with its media type, for a SHA-256 imprint (of the signature value).
    [(kind, request)] = tsa.requests
    assert kind == "application/timestamp-query"
    assert request["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert_timestamped(pdf, certificate, tsa, tmp_path)
    assert receipt.timestamp_missing_since is None and receipt.pdf_problem is None
    assert [(c.reason, c.sha256) for c in copies] == [
        (CopyReason.ISSUED, sha256_of(pdf))
    ] and receipt.pdf_sha256 == sha256_of(pdf)


def test_without_a_tsa_the_receipt_is_signed_b_b_as_before(
    app_with: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    app = app_with()
    number, _ = issued_and_stored(app)
    pdf, receipt, _ = stored(app, number)
    assert_signed_without_timestamp(pdf, certificate, tmp_path)
    assert receipt.timestamp_missing_since is None  # nothing owed: no TSA is configured


def test_a_tsa_on_a_closed_port_leaves_the_receipt_signed_b_b_and_send_pending_timestamps_it_later(
    app_with: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    down = app_with(RECEIPT_TSA_URL=closed_port_url(), RECEIPT_TSA_TIMEOUT="30")
    number, seconds = issued_and_stored(down)  # no exception: the job is done, not retried
    assert seconds < 15  # a refused connection is not waited for (drawing and signing twice take well under 1 s)
    first, receipt, copies = stored(down, number)
    assert_signed_without_timestamp(first, certificate, tmp_path)
    assert receipt.timestamp_missing_since is not None and receipt.pdf_problem is None
    assert receipt.pdf_sha256 == sha256_of(first) and [c.reason for c in copies] == [CopyReason.ISSUED]
    # Still down: nothing changes, and the command says what is still owed.
    with down.app_context():
        assert timestamp_missing_pdfs() == (0, 1)
    assert stored(down, number)[0] == first
    # The TSA is back: the hourly command signs the receipt again with a timestamp, as a new copy.
    with local_tsa() as tsa:
        up = app_with(RECEIPT_TSA_URL=tsa.url)
        result = up.test_cli_runner().invoke(args=["receipts", "send-pending"])
        assert "1 receipt PDF(s) signed again with a timestamp, 0 still without." in result.output, result.output
        again, receipt, copies = stored(up, number)
        assert_timestamped(again, certificate, tsa, tmp_path)
    assert receipt.timestamp_missing_since is None and receipt.pdf_sha256 == sha256_of(again)
    assert [(c.reason, c.sha256) for c in copies] == [
        (CopyReason.ISSUED, sha256_of(first)),
        (CopyReason.TIMESTAMPED, sha256_of(again)),
    ]
    # Both files sign the same drawing, the one recorded at issue, kept unchanged at their start.
    drawing = first[: first.index(b"%%EOF") + len(b"%%EOF\n")]
    assert sha256_of(drawing) == receipt.drawing_sha256 and again.startswith(drawing)
    with up.app_context():
        found = db.session.scalars(select(Receipt).where(Receipt.number == number)).one()
        assert pdf_of(found) == again
        assert timestamp_missing_pdfs() == (0, 0)


def test_a_tsa_that_never_answers_is_given_up_after_its_timeout(
    app_with: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    with silent_tsa() as url:
        app = app_with(RECEIPT_TSA_URL=url, RECEIPT_TSA_TIMEOUT="2")
        number, seconds = issued_and_stored(app)
    assert 2 <= seconds < 12  # one read timeout, then signed without a timestamp (slack for a loaded machine)
    pdf, receipt, _ = stored(app, number)
    assert_signed_without_timestamp(pdf, certificate, tmp_path)
    assert receipt.timestamp_missing_since is not None


def test_a_token_too_large_for_the_room_kept_never_fails_the_receipt(
    app_with: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    """A TSA embedding a chain longer than TIMESTAMP_ALLOWANCE: the timestamped signing cannot fit, the
    receipt is signed B-B and marked, as for a TSA that is down."""
    with local_tsa(embedded=filler_certificates(40)) as tsa:
        app = app_with(RECEIPT_TSA_URL=tsa.url)
        number, _ = issued_and_stored(app)
        assert len(tsa.requests) == 1
    pdf, receipt, _ = stored(app, number)
    assert_signed_without_timestamp(pdf, certificate, tmp_path)
    assert receipt.timestamp_missing_since is not None and receipt.pdf_problem is None


def checked(env: dict[str, str]) -> dict[str, Any]:
    config = load_config(env)
    validate(config)
    return config


def test_start_up_refuses_a_tsa_url_that_is_not_http_or_a_tsa_without_a_signing_certificate(
    certificate: tuple[Path, Path],
) -> None:
    base = {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"}
    signing = {"RECEIPT_SIGNING_KEY_FILE": str(certificate[0]), "RECEIPT_SIGNING_CERT_FILE": str(certificate[1])}
    with pytest.raises(ConfigError, match="RECEIPT_TSA_URL"):
        checked({**base, **signing, "RECEIPT_TSA_URL": "tsa.example.org/tsr"})
    with pytest.raises(ConfigError, match="RECEIPT_TSA_TIMEOUT"):
        checked({**base, **signing, "RECEIPT_TSA_URL": "https://tsa.example.org/tsr", "RECEIPT_TSA_TIMEOUT": "0"})
    with pytest.raises(ConfigError, match="RECEIPT_TSA_URL is set but no receipt-signing certificate"):
        checked({**base, "RECEIPT_TSA_URL": "https://tsa.example.org/tsr"})
    config = checked({**base, **signing, "RECEIPT_TSA_URL": "https://tsa.example.org/tsr"})
    assert (config["RECEIPT_TSA_URL"], config["RECEIPT_TSA_TIMEOUT"]) == ("https://tsa.example.org/tsr", 10.0)
    assert checked({**base, **signing})["RECEIPT_TSA_URL"] == ""
