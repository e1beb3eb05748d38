"""The receipt-signing certificate from configuration: what start-up refuses.

Receipts are signed (PAdES) with the foundation's certificate: a PEM key and
certificate (RECEIPT_SIGNING_KEY_FILE, RECEIPT_SIGNING_CERT_FILE) or one
PKCS#12 file (RECEIPT_SIGNING_PKCS12_FILE), with RECEIPT_SIGNING_PASSWORD when
the key is encrypted. Production refuses to start without it (an unsigned
receipt is not tamper-evident); elsewhere, without it, receipts are stored
unsigned. A file that cannot be read, a wrong password, a key that is not the
certificate's or an expired certificate fails start-up, naming the variable,
instead of failing every receipt.

RECEIPT_TSA_URL names an RFC 3161 time-stamping authority: each signature then
carries its timestamp (PAdES B-T); unset, receipts are signed B-B as before.
A TSA needs a signing certificate (start-up refuses one without it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from receipts.signing import ReceiptSigner, SigningSetupError, check_usable, load_pem_signer, load_pkcs12_signer

PEM_SETTINGS = ("RECEIPT_SIGNING_KEY_FILE", "RECEIPT_SIGNING_CERT_FILE")
PKCS12_SETTING = "RECEIPT_SIGNING_PKCS12_FILE"


class SigningSettingError(ValueError):
    """The receipt-signing settings are missing, contradictory or unusable; the message names them."""


def signer_from_config(config: Mapping[str, Any]) -> ReceiptSigner | None:
    """The configured receipt signer, or None when none is configured (SigningSettingError when unusable)."""
    key, cert, bundle = (config.get(name) or None for name in (*PEM_SETTINGS, PKCS12_SETTING))
    password = config.get("RECEIPT_SIGNING_PASSWORD") or None
    if bundle and (key or cert):
        raise SigningSettingError(f"set either {PKCS12_SETTING} or {' and '.join(PEM_SETTINGS)}, not both")
    try:
        if bundle:
            return load_pkcs12_signer(bundle, password)
        if key and cert:
            return load_pem_signer(key, cert, password)
    except SigningSetupError as error:
        names = PKCS12_SETTING if bundle else " / ".join(PEM_SETTINGS)
        raise SigningSettingError(f"{names}: {error}") from None
    if key or cert:
        missing = PEM_SETTINGS[1] if key else PEM_SETTINGS[0]
        raise SigningSettingError(f"{missing} must be set too: receipts are signed with a key and its certificate")
    return None


def check_receipt_signing(config: Mapping[str, Any], production: bool, now: dt.datetime) -> None:
    """Refuse signing settings that would fail receipts, and, in production, no signing at all."""
    signer = signer_from_config(config)
    if signer is None and config.get("RECEIPT_TSA_URL"):
        raise SigningSettingError(
            f"RECEIPT_TSA_URL is set but no receipt-signing certificate ({' and '.join(PEM_SETTINGS)} or "
            f"{PKCS12_SETTING}): a timestamp is added to the receipt's signature"
        )
    if signer is None:
        if production:
            raise SigningSettingError(
                f"{' and '.join(PEM_SETTINGS)} (or {PKCS12_SETTING}) must be set in production: "
                "receipts are signed with the foundation's certificate"
            )
        return
    try:
        check_usable(signer, now)
    except SigningSetupError as error:
        raise SigningSettingError(
            f"{PKCS12_SETTING if config.get(PKCS12_SETTING) else PEM_SETTINGS[1]}: {error}"
        ) from None
