"""Tamper-evident receipts: each stored PDF carries a PAdES signature with the foundation's certificate.

Everything is real: a certificate made as `make run` makes it, the app and its
database, the job that stores a just-issued PDF, the files on disk, poppler's
`pdfsig` and pyHanko's validation reading them back, a paid gift through the
sandbox's signed webhooks and a real SMTP server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import io
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as cryptography_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from dotenv import dotenv_values
from flask_migrate import downgrade, upgrade
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from donations.config import ConfigError, load_config, validate
from donations.extensions import db
from donations.models import CopyReason, Receipt, ReceiptCopy
from donations.receipting.pdfs import ReceiptIntegrityError, pdf_of, receipt_store, store_receipt_pdf
from donations.receipting.service import issuing_context
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import ReceiptSnapshot
from receipts.issuing import issue_for_payment
from receipts.self_signed import make_self_signed
from receipts.signing import load_pem_signer, sign
from tests.support.certificates import ca_issued_certificate
from tests.support.factories import settled_payment
from tests.support.finance_staff import finance_client
from tests.support.live_gifts import attachment, pay, receipts_of
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox
from tests.support.production import REAL_FOUNDATION

ROOT = Path(__file__).resolve().parents[2]
SIGNER = "Fondation pour la recherche sur le cerveau"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed(tmp_path_factory.mktemp("receipt-signing"), SIGNER, organisation=SIGNER)


@pytest.fixture
def signing(certificate: tuple[Path, Path]) -> dict[str, str]:
    key, cert = certificate
    return {"RECEIPT_SIGNING_KEY_FILE": str(key), "RECEIPT_SIGNING_CERT_FILE": str(cert)}


@pytest.fixture
def signed_app(make_app: Callable[..., Any], signing: dict[str, str]) -> Any:
    """The app signing receipts with the test certificate."""
    return make_app(MAIL_SERVER="", **signing)


def issued_and_stored(app: Any) -> str:
    """A receipt issued and committed, then its PDF drawn and stored by the after-commit job; its number."""
    with app.app_context():
        issued = issue_for_payment(db.session, settled_payment(db.session), issuing_context())
        db.session.commit()
        receipt_id, number = issued.receipt.id, issued.receipt.number
        store_receipt_pdf(receipt_id)
        return number


def receipt_named(number: str) -> Receipt:
    return db.session.scalars(select(Receipt).where(Receipt.number == number)).one()


def copies_of(receipt: Receipt) -> list[ReceiptCopy]:
    return list(
        db.session.scalars(select(ReceiptCopy).where(ReceiptCopy.receipt_id == receipt.id).order_by(ReceiptCopy.id))
    )


def pdfsig(path: Path) -> str:
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed: the signature is checked by pyHanko only")
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30)
    return result.stdout + result.stderr


def pyhanko_status(pdf: bytes, cert_file: Path):  # type: ignore[no-untyped-def]
    """pyHanko's verdict on the receipt's one signature, trusting the test certificate."""
    _, _, der = pem.unarmor(cert_file.read_bytes())
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)])
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    # pyHanko runs an event loop of its own: in a thread, since the browser tests leave one running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, signature, context).result()


def tampered(pdf: bytes, drawing_length: int) -> bytes:
    """The file with one byte of the drawn content changed (inside what the signature covers)."""
    stream = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream\n")
    assert stream < drawing_length
    changed = bytearray(pdf)
    changed[stream + 10] ^= 0x01
    return bytes(changed)


def test_a_stored_receipt_is_signed_and_pdfsig_shows_the_signature_valid_and_the_document_intact(signed_app: Any):  # type: ignore[no-untyped-def]
    app = signed_app
    number = issued_and_stored(app)
    with app.app_context():
        report = pdfsig(receipt_store().path_for(number))
    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert SIGNER in report and "ETSI.CAdES.detached" in report  # PAdES


def test_pyhanko_finds_the_signature_intact_and_a_copy_with_one_byte_changed_fails(  # type: ignore[no-untyped-def]
    signed_app: Any, certificate: tuple[Path, Path], tmp_path: Path
):
    app = signed_app
    number = issued_and_stored(app)
    with app.app_context():
        stored = receipt_store().load(number)
        drawing = draw_receipt(ReceiptSnapshot.from_json(receipt_named(number).snapshot), None)
    assert stored is not None
    status = pyhanko_status(stored, certificate[1])
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"

    forged = tampered(stored, len(drawing))
    broken = pyhanko_status(forged, certificate[1])
    assert not broken.intact and not broken.bottom_line
    (tmp_path / "forged.pdf").write_bytes(forged)
    report = pdfsig(tmp_path / "forged.pdf")
    assert "Signature is Valid." not in report


def test_the_recorded_hash_is_the_signed_files_and_the_drawing_stays_deterministic(signed_app: Any):  # type: ignore[no-untyped-def]
    app = signed_app
    number = issued_and_stored(app)
    with app.app_context():
        receipt = receipt_named(number)
        stored = receipt_store().load(number)
        assert stored is not None
        drawing = draw_receipt(ReceiptSnapshot.from_json(receipt.snapshot), None)
        assert draw_receipt(ReceiptSnapshot.from_json(receipt.snapshot), None) == drawing  # same snapshot, same bytes
        assert receipt.pdf_sha256 == hashlib.sha256(stored).hexdigest()
        assert receipt.drawing_sha256 == hashlib.sha256(drawing).hexdigest() != receipt.pdf_sha256
        assert stored.startswith(drawing)  # the signature is an incremental update over the drawing
        [copy] = copies_of(receipt)
        assert (copy.reason, copy.sha256, copy.signed_by) == (CopyReason.ISSUED, receipt.pdf_sha256, SIGNER)
        assert copy.signed_at is not None
        assert pdf_of(receipt) == stored  # served as stored, not signed again


def test_a_lost_signed_receipt_is_drawn_and_signed_again_and_recorded_as_a_new_copy(signed_app: Any):  # type: ignore[no-untyped-def]
    app = signed_app
    number = issued_and_stored(app)
    with app.app_context():
        first = receipt_store().load(number)
        receipt_store().path_for(number).unlink()
    download = finance_client(app).get(f"/finance/receipts/{number}.pdf")
    assert download.status_code == 200 and download.data != first
    with app.app_context():
        receipt = receipt_named(number)
        assert hashlib.sha256(download.data).hexdigest() == receipt.pdf_sha256
        assert receipt_store().load(number) == download.data
        issued, redrawn = copies_of(receipt)
        assert (issued.reason, issued.sha256) == (CopyReason.ISSUED, hashlib.sha256(first or b"").hexdigest())
        assert (redrawn.reason, redrawn.sha256) == (CopyReason.REDRAWN, receipt.pdf_sha256)
        assert download.data[: len(first or b"")] != first and first is not None
        assert download.data.startswith(draw_receipt(ReceiptSnapshot.from_json(receipt.snapshot), None))
        report = pdfsig(receipt_store().path_for(number))
    assert "Signature is Valid." in report and "Total document signed" in report


def assert_redraw_refused(app: Any, number: str, recorded: str) -> None:
    """Say the receipt was drawn otherwise at issue (its `recorded` hash says so): its lost file is never redrawn."""
    with app.app_context():
        receipt = receipt_named(number)
        setattr(receipt, recorded, hashlib.sha256(b"what an older layout drew").hexdigest())
        db.session.commit()
        copies = len(copies_of(receipt))
        receipt_store().path_for(number).unlink()
        with pytest.raises(ReceiptIntegrityError):
            pdf_of(receipt)
        db.session.rollback()
        assert len(copies_of(receipt)) == copies and receipt_store().load(number) is None


def test_a_redraw_that_no_longer_draws_as_recorded_is_refused_not_signed(signed_app: Any):  # type: ignore[no-untyped-def]
    assert_redraw_refused(signed_app, issued_and_stored(signed_app), "drawing_sha256")


def test_without_a_certificate_receipts_are_stored_unsigned_as_drawn(make_app: Callable[..., Any], tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(MAIL_SERVER="")
    number = issued_and_stored(app)
    with app.app_context():
        receipt = receipt_named(number)
        stored = receipt_store().load(number)
        assert stored == draw_receipt(ReceiptSnapshot.from_json(receipt.snapshot), None)
        assert receipt.pdf_sha256 == receipt.drawing_sha256 == hashlib.sha256(stored).hexdigest()
        [copy] = copies_of(receipt)
        assert copy.signed_at is None and copy.signed_by is None
        report = pdfsig(receipt_store().path_for(number))
    assert "does not contain any signatures" in report


def as_before_signing(app: Any) -> tuple[str, bytes]:
    """A receipt stored unsigned by the service before signing existed: no drawing hash, no copy row."""
    number = issued_and_stored(app)
    with app.app_context():
        receipt = receipt_named(number)
        receipt.drawing_sha256 = None
        for copy in copies_of(receipt):
            db.session.delete(copy)
        db.session.commit()
        stored = receipt_store().load(number)
    assert stored is not None
    return number, stored


def test_a_receipt_stored_unsigned_before_signing_is_served_as_stored(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], signing: dict[str, str], tmp_path: Path
):
    number, unsigned = as_before_signing(make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store")))
    app = make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store"), **signing)
    download = finance_client(app).get(f"/finance/receipts/{number}.pdf")
    assert download.status_code == 200 and download.data == unsigned
    with app.app_context():
        receipt = receipt_named(number)
        assert receipt.pdf_sha256 == hashlib.sha256(unsigned).hexdigest() and receipt.drawing_sha256 is None
        assert copies_of(receipt) == []


def test_a_lost_receipt_from_before_signing_is_checked_against_its_unsigned_hash_then_signed(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], signing: dict[str, str], tmp_path: Path
):
    number, unsigned = as_before_signing(make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store")))
    app = make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store"), **signing)
    with app.app_context():
        receipt_store().path_for(number).unlink()
        receipt = receipt_named(number)
        pdf = pdf_of(receipt)
        db.session.commit()
        assert pdf.startswith(unsigned) and pdf != unsigned
        assert receipt.drawing_sha256 == hashlib.sha256(unsigned).hexdigest()
        assert receipt.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        [copy] = copies_of(receipt)
        assert copy.reason == CopyReason.REDRAWN and copy.signed_by == SIGNER
        report = pdfsig(receipt_store().path_for(number))
    assert "Signature is Valid." in report


def test_a_lost_receipt_from_before_signing_that_draws_otherwise_is_refused(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], signing: dict[str, str], tmp_path: Path
):
    number, _unsigned = as_before_signing(make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store")))
    assert_redraw_refused(
        make_app(MAIL_SERVER="", RECEIPTS_DIR=str(tmp_path / "store"), **signing), number, "pdf_sha256"
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_verification_page_says_who_signed_and_how_to_check_the_signature(signed_app: Any, lang: str):  # type: ignore[no-untyped-def]
    app = signed_app
    number = issued_and_stored(app)
    with app.app_context():
        code = receipt_named(number).verification_code
    page = app.test_client().get(f"/receipts/verify/{number}?c={code}&lang={lang}")
    assert page.status_code == 200
    assert SIGNER in page.text and "<code>pdfsig recu.pdf</code>" in page.text and "Acrobat Reader" in page.text
    wanted = {
        "fr": (
            "signature électronique (PAdES)",
            "« Signature is Valid »",
            "comme l'AATL d'Adobe ou les listes de confiance européennes (EUTL)",
            # The test certificate is self-signed, as the development one: what Acrobat shows for it.
            "Cette copie est signée avec un certificat auto-signé",
            "l'identité du signataire est inconnue",
        ),
        "en": (
            "electronic signature (PAdES)",
            "“Signature is Valid”",
            "such as Adobe's AATL or the EU trusted lists (EUTL)",
            "This copy is signed with a self-signed certificate",
            "the signer's identity as unknown",
        ),
    }[lang]
    text = " ".join(html.unescape(page.text).split())
    for words in wanted:
        assert words in text, words


def test_the_verification_page_of_a_receipt_signed_by_an_issued_certificate_gives_no_self_signed_warning(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], tmp_path: Path
):
    key, cert = ca_issued_certificate(tmp_path / "issued", SIGNER)
    app = make_app(MAIL_SERVER="", RECEIPT_SIGNING_KEY_FILE=str(key), RECEIPT_SIGNING_CERT_FILE=str(cert))
    number = issued_and_stored(app)
    with app.app_context():
        code = receipt_named(number).verification_code
    text = " ".join(html.unescape(app.test_client().get(f"/receipts/verify/{number}?c={code}&lang=en").text).split())
    assert "such as Adobe's AATL or the EU trusted lists (EUTL)" in text and SIGNER in text
    assert "self-signed" not in text and 'id="self-signed"' not in text


def test_the_verification_page_of_an_unsigned_receipt_says_it_has_no_signature(make_app: Callable[..., Any]):  # type: ignore[no-untyped-def]
    app = make_app(MAIL_SERVER="")
    number = issued_and_stored(app)
    with app.app_context():
        code = receipt_named(number).verification_code
    page = app.test_client().get(f"/receipts/verify/{number}?c={code}&lang=fr")
    assert page.status_code == 200 and "ne porte pas de signature électronique" in page.text
    assert "pdfsig" not in page.text


def test_make_run_makes_a_development_certificate_once_and_points_env_at_it(tmp_path: Path):  # type: ignore[no-untyped-def]
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env.example")
    make = ["make", "-f", str(ROOT / "Makefile"), f"VENV={ROOT / '.venv'}", "receipt-signing"]
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    subprocess.run(make, cwd=tmp_path, env=environment, check=True, capture_output=True, timeout=120)
    cert = (tmp_path / "instance" / "receipt-signing" / "cert.pem").read_bytes()
    subprocess.run(make, cwd=tmp_path, env=environment, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "instance" / "receipt-signing" / "cert.pem").read_bytes() == cert  # made once
    settings = dotenv_values(tmp_path / ".env")
    assert settings["RECEIPT_SIGNING_CERT_FILE"] == str(tmp_path / "instance" / "receipt-signing" / "cert.pem")
    assert settings["RECEIPT_SIGNING_KEY_FILE"] == str(tmp_path / "instance" / "receipt-signing" / "key.pem")
    assert list(settings).count("RECEIPT_SIGNING_CERT_FILE") == 1


# --- The certificate from configuration, checked at start-up -----------------------------------


def production(**signing: str) -> dict[str, str]:
    return {
        **REAL_FOUNDATION,
        **signing,
        "FLASK_ENV_NAME": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": "sqlite://",
        "PUBLIC_BASE_URL": "https://dons.example.org",
        "STRIPE_SECRET_KEY": "sk_live_1",
        "STRIPE_WEBHOOK_SECRET": "whsec_1",
    }


def checked(env: dict[str, str]) -> dict[str, Any]:
    config = load_config(env)
    validate(config)
    return config


def development(**signing: str) -> dict[str, str]:
    return {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://", **signing}


def test_production_refuses_to_start_without_a_receipt_signing_certificate() -> None:
    without = {k: v for k, v in production().items() if not k.startswith("RECEIPT_SIGNING_")}
    with pytest.raises(
        ConfigError,
        match=r"RECEIPT_SIGNING_KEY_FILE and RECEIPT_SIGNING_CERT_FILE .or RECEIPT_SIGNING_PKCS12_FILE. must be set in production",
    ):
        checked(without)
    assert checked(production())["RECEIPT_SIGNING_CERT_FILE"]  # the foundation's certificate: it starts


def test_outside_production_no_certificate_is_fine() -> None:
    assert checked(development())["RECEIPT_SIGNING_CERT_FILE"] is None


def test_start_up_refuses_a_key_that_is_not_the_certificates(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    other_key, _ = make_self_signed(tmp_path / "other")
    with pytest.raises(
        ConfigError,
        match="RECEIPT_SIGNING_KEY_FILE / RECEIPT_SIGNING_CERT_FILE: the receipt-signing key does not belong",
    ):
        checked(production(RECEIPT_SIGNING_KEY_FILE=str(other_key), RECEIPT_SIGNING_CERT_FILE=str(certificate[1])))


@pytest.mark.parametrize("broken", ["missing", "not a certificate"])
def test_start_up_refuses_a_certificate_file_it_cannot_use(
    certificate: tuple[Path, Path], tmp_path: Path, broken: str
) -> None:
    path = tmp_path / "cert.pem"
    if broken != "missing":
        path.write_text("-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigError, match="RECEIPT_SIGNING_CERT_FILE"):
        checked(development(RECEIPT_SIGNING_KEY_FILE=str(certificate[0]), RECEIPT_SIGNING_CERT_FILE=str(path)))


def test_start_up_refuses_half_a_pem_pair_or_both_kinds_of_files(certificate: tuple[Path, Path]) -> None:
    key, cert = map(str, certificate)
    with pytest.raises(ConfigError, match="RECEIPT_SIGNING_CERT_FILE must be set too"):
        checked(development(RECEIPT_SIGNING_KEY_FILE=key))
    with pytest.raises(ConfigError, match="RECEIPT_SIGNING_KEY_FILE must be set too"):
        checked(development(RECEIPT_SIGNING_CERT_FILE=cert))
    with pytest.raises(ConfigError, match="not both"):
        checked(
            development(RECEIPT_SIGNING_KEY_FILE=key, RECEIPT_SIGNING_CERT_FILE=cert, RECEIPT_SIGNING_PKCS12_FILE=cert)
        )


def test_start_up_refuses_an_expired_certificate(tmp_path: Path) -> None:
    key, cert = make_self_signed(tmp_path, SIGNER, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), days=30)
    with pytest.raises(
        ConfigError, match=r"RECEIPT_SIGNING_CERT_FILE: the receipt-signing certificate of .* expired on 2020-01-31"
    ):
        checked(production(RECEIPT_SIGNING_KEY_FILE=str(key), RECEIPT_SIGNING_CERT_FILE=str(cert)))


def pkcs12_of(certificate: tuple[Path, Path], path: Path, password: bytes) -> Path:
    key = serialization.load_pem_private_key(certificate[0].read_bytes(), None)
    cert = cryptography_x509.load_pem_x509_certificate(certificate[1].read_bytes())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"recus", key, cert, None, serialization.BestAvailableEncryption(password)
        )
    )  # type: ignore[arg-type]
    return path


def test_a_pkcs12_file_and_its_password_sign_receipts_and_a_wrong_password_fails_start_up(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
):
    bundle = str(pkcs12_of(certificate, tmp_path / "fondation.p12", b"mot de passe"))
    with pytest.raises(ConfigError, match=r"RECEIPT_SIGNING_PKCS12_FILE: .* wrong password"):
        checked(
            production(
                RECEIPT_SIGNING_KEY_FILE="",
                RECEIPT_SIGNING_CERT_FILE="",
                RECEIPT_SIGNING_PKCS12_FILE=bundle,
                RECEIPT_SIGNING_PASSWORD="pas le bon",
            )
        )
    app = make_app(MAIL_SERVER="", RECEIPT_SIGNING_PKCS12_FILE=bundle, RECEIPT_SIGNING_PASSWORD="mot de passe")
    number = issued_and_stored(app)
    with app.app_context():
        report = pdfsig(receipt_store().path_for(number))
    assert "Signature is Valid." in report and SIGNER in report


def test_an_encrypted_pem_key_signs_with_its_password(
    make_app: Callable[..., Any], certificate: tuple[Path, Path], tmp_path: Path
):  # type: ignore[no-untyped-def]
    key = serialization.load_pem_private_key(certificate[0].read_bytes(), None)
    encrypted = tmp_path / "key.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    pem_files = {"RECEIPT_SIGNING_KEY_FILE": str(encrypted), "RECEIPT_SIGNING_CERT_FILE": str(certificate[1])}
    with pytest.raises(ConfigError, match="RECEIPT_SIGNING_KEY_FILE"):
        checked(development(**pem_files))
    app = make_app(MAIL_SERVER="", RECEIPT_SIGNING_PASSWORD="secret", **pem_files)
    number = issued_and_stored(app)
    with app.app_context():
        assert "Signature is Valid." in pdfsig(receipt_store().path_for(number))


def issued_by_a_ca(tmp_path: Path, leaf_key: Any) -> Path:
    """A PKCS#12 file: the foundation's certificate for `leaf_key`, issued by a CA whose certificate comes with it."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    now = dt.datetime.now(dt.UTC)

    def certificate(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> cryptography_x509.Certificate:
        return (
            cryptography_x509.CertificateBuilder()
            .subject_name(cryptography_x509.Name([cryptography_x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(cryptography_x509.Name([cryptography_x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(cryptography_x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(cryptography_x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )

    ca_cert = certificate(
        "Autorité de certification de test", ca_key, "Autorité de certification de test", ca_key, True
    )
    leaf = certificate(SIGNER, leaf_key, "Autorité de certification de test", ca_key, False)
    path = tmp_path / "fondation.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"recus", leaf_key, leaf, [ca_cert], serialization.NoEncryption())
    )
    return path


@pytest.mark.parametrize("kind", ["ECDSA P-384", "RSA 4096"])
def test_a_certificate_issued_by_a_ca_with_an_ec_or_a_large_rsa_key_signs_valid_receipts(  # type: ignore[no-untyped-def]
    make_app: Callable[..., Any], tmp_path: Path, kind: str
):
    leaf_key = (
        ec.generate_private_key(ec.SECP384R1()) if kind.startswith("ECDSA") else rsa.generate_private_key(65537, 4096)
    )
    app = make_app(MAIL_SERVER="", RECEIPT_SIGNING_PKCS12_FILE=str(issued_by_a_ca(tmp_path, leaf_key)))
    number = issued_and_stored(app)
    with app.app_context():
        report = pdfsig(receipt_store().path_for(number))
    assert "Signature is Valid." in report and "Total document signed" in report and SIGNER in report


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int], signing: dict[str, str]) -> dict[str, object]:
    """The live app of this module signs its receipts and mails them to the local SMTP server."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp[1]), **signing}


def test_a_paid_gift_gets_a_signed_receipt_stored_hashed_and_emailed(live: Live, give, smtp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mailbox, _port = smtp
    [receipt] = receipts_of(live, pay(live, give, kind="one_off", amount="150"))
    [message] = mailbox.wait_for(1)
    emailed = attachment(message)
    with live.app.app_context():
        assert receipt_store().load(receipt.number) == emailed
    assert hashlib.sha256(emailed).hexdigest() == receipt.pdf_sha256
    (tmp_path / "recu.pdf").write_bytes(emailed)
    report = pdfsig(tmp_path / "recu.pdf")
    assert "Signature is Valid." in report and "Total document signed" in report


def test_the_migration_records_each_receipt_stored_before_it_as_its_issued_unsigned_copy(app: Any) -> None:
    number = issued_and_stored(app)
    with app.app_context():
        db.session.remove()  # no transaction left open on the tables the migration alters
        downgrade(revision="e1da16eb1eb1")  # as the receipt was stored: no copies, no drawing hash
        upgrade()
        receipt = receipt_named(number)
        assert receipt.drawing_sha256 is None and receipt.pdf_sha256 is not None
        [copy] = copies_of(receipt)
        assert (copy.reason, copy.sha256, copy.signed_at, copy.stored_at) == (
            CopyReason.ISSUED,
            receipt.pdf_sha256,
            None,
            receipt.issued_at,
        )
        assert pdf_of(receipt) == receipt_store().load(number)


def test_a_receipt_is_signed_even_where_an_event_loop_is_running(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    """pyHanko runs an event loop of its own: signing inside a running one (an async server, a browser
    test driving Playwright in the same process) must work all the same."""
    signer = load_pem_signer(*certificate)
    drawing = blank_pdf()

    async def inside_a_loop() -> bytes:
        return sign(drawing, signer)

    with ThreadPoolExecutor(max_workers=1) as pool:  # a thread of its own: the browser tests leave a loop running here
        signed = pool.submit(asyncio.run, inside_a_loop()).result()
    (tmp_path / "recu.pdf").write_bytes(signed)
    assert signed.startswith(drawing) and "Signature is Valid." in pdfsig(tmp_path / "recu.pdf")


def blank_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, invariant=True)
    canvas.drawString(72, 720, "Reçu")
    canvas.save()
    return out.getvalue()
