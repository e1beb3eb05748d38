"""Tamper-evident receipts: a PAdES signature with the foundation's certificate.

The Cerfa drawing stays deterministic (same snapshot, same unsigned bytes);
`sign` then appends an incremental update holding a PAdES baseline (B-B)
signature over every byte of the drawing. Acrobat Reader and poppler's
`pdfsig` show it valid, and show it broken once a byte of the document changes.
Each signature carries its own signing time, so signing the same drawing twice
gives two different files: the service records each stored file as a copy.

Given a time-stamping authority (`http_timestamper`, RFC 3161 over HTTP), the
signature is PAdES B-T: it carries the TSA's timestamp token over the signature
value, which proves the signature existed at that time whatever the signer's
clock said. A TSA that does not answer in time, or answers wrongly (or any
other failure of the timestamped signing), raises `TimestampUnavailable`: the
caller decides (the service signs B-B then, and records the receipt for a
later timestamp).

No Flask and no database: the signer is built once from files by the service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

SIGNATURE_FIELD = "Signature_recu_fiscal"
SIGNING_REASON = "Reçu fiscal émis par l'organisme bénéficiaire"
SIGNED_ATTRIBUTES_ALLOWANCE = 4096
# Room for the TSA's token in a B-T signature: the signed TSTInfo and the TSA's certificates (a TSA
# embedding a long chain may need more: signing then fails, and the receipt is signed B-B, recorded).
TIMESTAMP_ALLOWANCE = 12288


class TimestampUnavailable(RuntimeError):
    """The time-stamping authority gave no usable timestamp (unreachable, too slow, a bad answer)."""


class SigningSetupError(ValueError):
    """The receipt-signing key or certificate cannot be used (the message says why)."""


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the private key parsed once, not at every signature.

    SimpleSigner parses its key again for each raw signature (twice per PDF:
    once to size the signature, once to make it), and parsing an RSA key checks
    it, which cost most of the signing time. The usual kinds of keys (RSA with
    PKCS#1 v1.5, ECDSA) sign with the kept key; any other goes the stock way.
    """

    def __init__(self, key: object, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._kept_key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:  # an algorithm asn1crypto names but cannot classify: the stock way
            return super().sign_raw(data, digest_algorithm)
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._kept_key, RSAPrivateKey):
            return self._kept_key.sign(data, PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._kept_key, EllipticCurvePrivateKey):
            return self._kept_key.sign(data, ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class ReceiptSigner:
    """The foundation's signing key and certificate, ready to sign receipts."""

    signer: signers.SimpleSigner
    subject: str  # who signs, as the certificate names them: "common name (organisation)"
    not_after: dt.datetime
    # Issued by itself (the development certificate `make run` makes): Acrobat shows its identity as unknown.
    self_signed: bool
    # Bytes kept in the PDF for the signature: known here, so pyHanko need not size it by a dry run
    # (which cost nearly half of each signature).
    reserved_bytes: int


def load_pem_signer(key_file: str | Path, cert_file: str | Path, password: str | None = None) -> ReceiptSigner:
    """The signer from a PEM (or DER) private key and its certificate; SigningSetupError when unusable."""
    key_data, cert_data = _read(key_file, "key"), _read(cert_file, "certificate")
    try:
        key = (
            serialization.load_pem_private_key(key_data, _password(password))
            if b"-----BEGIN" in key_data
            else serialization.load_der_private_key(key_data, _password(password))
        )
    except (ValueError, TypeError) as error:
        raise SigningSetupError(f"{key_file}: not a private key, or a wrong password ({error})") from None
    try:
        cert = (
            x509.load_pem_x509_certificate(cert_data)
            if b"-----BEGIN" in cert_data
            else x509.load_der_x509_certificate(cert_data)
        )
    except ValueError as error:
        raise SigningSetupError(f"{cert_file}: not an X.509 certificate ({error})") from None
    return _signer(key, cert, [])


def load_pkcs12_signer(pkcs12_file: str | Path, password: str | None = None) -> ReceiptSigner:
    """The signer from a PKCS#12 (.p12 / .pfx) file holding the key, its certificate and its chain."""
    data = _read(pkcs12_file, "PKCS#12 file")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, _password(password))
    except (ValueError, TypeError) as error:
        raise SigningSetupError(f"{pkcs12_file}: not a PKCS#12 file, or a wrong password ({error})") from None
    if key is None or cert is None:
        raise SigningSetupError(f"{pkcs12_file}: the PKCS#12 file must hold the private key and its certificate")
    return _signer(key, cert, list(chain))


def check_usable(signer: ReceiptSigner, now: dt.datetime) -> None:
    """Refuse a certificate that has expired: every receipt signed with it would show an invalid signature."""
    if signer.not_after <= now:
        raise SigningSetupError(
            f"the receipt-signing certificate of {signer.subject!r} expired on {signer.not_after:%Y-%m-%d}"
        )


def http_timestamper(url: str, timeout: float) -> TimeStamper:
    """An RFC 3161 client posting to the TSA at `url`; each connection and read waits `timeout` seconds at most."""
    return RequestsHTTPTimeStamper(url, timeout=timeout)


def sign(pdf_bytes: bytes, signer: ReceiptSigner, timestamper: TimeStamper | None = None) -> bytes:
    """The PDF with a PAdES baseline signature over all of it, appended as an incremental update.

    The original bytes are kept unchanged at the start of the result: the
    signature covers them, and any later change shows as a broken signature.
    With `timestamper` the signature is B-T (it carries the TSA's token), or
    `TimestampUnavailable` is raised when the TSA gives none.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _signed(pdf_bytes, signer, timestamper)
    # pyHanko's synchronous API runs an event loop of its own, which cannot start inside a running
    # one (an asynchronous server, a browser driven by Playwright): sign in a thread of its own then.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="receipt-signing") as pool:
        return pool.submit(_signed, pdf_bytes, signer, timestamper).result()


def _signed(pdf_bytes: bytes, signer: ReceiptSigner, timestamper: TimeStamper | None) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=SIGNING_REASON,
        name=signer.subject,
    )
    reserved = signer.reserved_bytes + (TIMESTAMP_ALLOWANCE if timestamper is not None else 0)
    try:
        out = signers.sign_pdf(writer, metadata, signer=signer.signer, timestamper=timestamper, bytes_reserved=reserved)
    except Exception as error:
        if timestamper is None:
            raise
        # The TSA unreachable, too slow or answering wrongly, or a token larger than the room kept for it:
        # no B-T signature. The caller may sign without a timestamp (which shows whether the key itself works).
        what = (
            "no timestamp from the time-stamping authority"
            if _from_the_tsa(error)
            else "the timestamped signing failed"
        )
        raise TimestampUnavailable(f"{what}: {_cause(error)}") from error
    return out.getvalue()


def _from_the_tsa(error: BaseException) -> bool:
    """Whether `error` comes from the TSA exchange (pyHanko wraps what the HTTP client raises)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimestampRequestError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(error: BaseException) -> str:
    """The error as first raised, following the explicit causes (`raise … from …`) only."""
    deepest = error
    while deepest.__cause__ is not None:
        deepest = deepest.__cause__
    return f"{type(deepest).__name__}: {deepest}"[:300]


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SigningSetupError(
            f"{path}: the receipt-signing {what} cannot be read ({error.strerror or error})"
        ) from None


def _password(password: str | None) -> bytes | None:
    return password.encode() if password else None


def _signer(key: object, cert: x509.Certificate, chain: list[x509.Certificate]) -> ReceiptSigner:
    if not hasattr(key, "private_bytes"):
        raise SigningSetupError("the receipt-signing key is not a private key")
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]
    if public != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise SigningSetupError("the receipt-signing key does not belong to its certificate")
    private_der = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    as_asn1 = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
    simple = _KeptKeySigner(
        key,
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(private_der),
        cert_registry=SimpleCertificateStore.from_certs(as_asn1),
    )
    # The signature holds the certificates, a raw signature (at most twice the key size in bytes for
    # ECDSA) and a few signed attributes: well under SIGNED_ATTRIBUTES_ALLOWANCE bytes.
    certificates = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in [cert, *chain])
    raw_signature = 2 * getattr(key, "key_size", 8192) // 8
    reserved = certificates + raw_signature + SIGNED_ATTRIBUTES_ALLOWANCE
    return ReceiptSigner(
        signer=simple,
        subject=_who(cert.subject),
        not_after=cert.not_valid_after_utc,
        self_signed=cert.issuer == cert.subject,
        reserved_bytes=reserved + reserved % 2,
    )  # pyHanko wants an even count


def _who(subject: x509.Name) -> str:
    """The certificate's holder as a reader names them, e.g. "Claire Dupont (Fondation …)"."""

    def first(oid: x509.ObjectIdentifier) -> str:
        found = subject.get_attributes_for_oid(oid)
        return str(found[0].value) if found else ""

    common, organisation = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    if common and organisation and organisation != common:
        return f"{common} ({organisation})"
    return common or organisation or subject.rfc4514_string()
