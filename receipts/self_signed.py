"""A self-signed receipt-signing certificate for development (`make run` makes it once).

Receipts signed with it show an intact, valid signature from a signer that
Acrobat and `pdfsig` do not trust: enough to see and test the signature
locally. Production uses the foundation's own certificate.

    python -m receipts.self_signed instance/receipt-signing
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_NAME, CERT_NAME = "key.pem", "cert.pem"


def make_self_signed(
    directory: str | Path,
    common_name: str = "Fondation de démonstration (reçus fiscaux, développement)",
    organisation: str = "Développement local",
    now: dt.datetime | None = None,
    days: int = 3650,
) -> tuple[Path, Path]:
    """Write `key.pem` and `cert.pem` in `directory` unless both exist already; their paths."""
    folder = Path(directory)
    key_path, cert_path = folder / KEY_NAME, folder / CERT_NAME
    if key_path.is_file() and cert_path.is_file():
        return key_path, cert_path
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # Document signing: what Acrobat and pyHanko look for on a signer's certificate.
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


if __name__ == "__main__":
    made_key, made_cert = make_self_signed(sys.argv[1] if len(sys.argv) > 1 else "instance/receipt-signing")
    sys.stdout.write(f"receipt-signing key {made_key} and certificate {made_cert}\n")
