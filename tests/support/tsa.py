"""A real RFC 3161 time-stamping authority on localhost, for the receipts' B-T signatures.

pyHanko's `DummyTimeStamper` answers the requests (it signs a genuine TSTInfo
with a TSA certificate issued by a test root), behind a small HTTP server that
speaks the protocol's media types: the service under test posts a real
`application/timestamp-query` over HTTP and reads the `application/timestamp-reply`.
Also: a port where nothing listens, and a TSA that accepts the connection but never answers.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class TSAIdentity:
    root: asn1_x509.Certificate  # the trust root a validator is given
    cert: asn1_x509.Certificate  # the TSA's own certificate (extended key usage: time stamping)
    key: asn1_keys.PrivateKeyInfo


def tsa_identity() -> TSAIdentity:
    """A test root and the TSA certificate it issues, valid for a day either side of now."""
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Autorité racine de test"))
        .issuer_name(_name("Autorité racine de test"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Horodatage de test"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return TSAIdentity(root=_asn1(root), cert=_asn1(cert), key=asn1_keys.PrivateKeyInfo.load(der))


@dataclass
class LocalTSA:
    url: str
    identity: TSAIdentity
    requests: list[tuple[str, tsp.TimeStampReq]] = field(default_factory=list)  # (Content-Type, request)


def filler_certificates(count: int) -> list[asn1_x509.Certificate]:
    """`count` unrelated certificates, for a TSA whose tokens embed a long chain."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    return [
        _asn1(
            x509.CertificateBuilder()
            .subject_name(_name(f"Autorité intermédiaire de test n° {k}"))
            .issuer_name(_name(f"Autorité intermédiaire de test n° {k}"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        for k in range(count)
    ]


@contextmanager
def local_tsa(
    identity: TSAIdentity | None = None, embedded: list[asn1_x509.Certificate] | None = None
) -> Iterator[LocalTSA]:
    """A TSA answering RFC 3161 requests over HTTP on 127.0.0.1, for the time of the block; its tokens
    carry its certificate, and `embedded` ones besides."""
    identity = identity or tsa_identity()
    stamper = DummyTimeStamper(
        tsa_cert=identity.cert,
        tsa_key=identity.key,
        certs_to_embed=SimpleCertificateStore.from_certs(embedded) if embedded else None,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    tsa = LocalTSA(url=f"http://127.0.0.1:{server.server_address[1]}/tsr", identity=identity)
    server.stamper, server.tsa = stamper, tsa  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = self.headers.get("Content-Type", "")
        try:
            request = tsp.TimeStampReq.load(body)
            request.native  # noqa: B018  (parse it all: a malformed request is refused here)
        except ValueError:
            self.send_error(400, "not a TimeStampReq")
            return
        self.server.tsa.requests.append((kind, request))  # type: ignore[attr-defined]
        answer = self.server.stamper.request_tsa_response(request).dump()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def closed_port_url() -> str:
    """A TSA URL on a local port where nothing listens (the connection is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


@contextmanager
def silent_tsa() -> Iterator[str]:
    """A TSA URL whose server accepts the connection (the kernel's backlog) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/tsr"
