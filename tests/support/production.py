"""A real foundation's identity, as a production environment sets it (start-up refuses the demo one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from receipts.self_signed import make_self_signed

SIGNATURE_IMAGE = Path(__file__).resolve().parent / "signature.png"

# Production signs every receipt: a certificate made once per test run (a private key is not committed).
_SIGNING_KEY, _SIGNING_CERT = make_self_signed(
    tempfile.mkdtemp(prefix="receipt-signing-"), "Fondation pour la recherche sur le cerveau"
)
SIGNING_CERTIFICATE = {"RECEIPT_SIGNING_KEY_FILE": str(_SIGNING_KEY), "RECEIPT_SIGNING_CERT_FILE": str(_SIGNING_CERT)}

REAL_FOUNDATION = {
    "FOUNDATION_NAME": "Fondation pour la recherche sur le cerveau",
    "FOUNDATION_ADDRESS": "47 boulevard de l'Hôpital, 75013 Paris, France",
    "FOUNDATION_SIREN": "732 829 320",
    "FOUNDATION_RUP_DECREE_DATE": "2006-09-13",
    "FOUNDATION_RUP_JO_DATE": "2006-09-15",
    "FOUNDATION_SIGNATORY_NAME": "Claire Dupont",
    "FOUNDATION_SIGNATORY_TITLE": "Directrice générale",
    "FOUNDATION_SIGNATURE_IMAGE": str(SIGNATURE_IMAGE),
    **SIGNING_CERTIFICATE,
}


PRODUCTION = {
    "FLASK_ENV_NAME": "production",
    "SECRET_KEY": "p" * 48,
    "PUBLIC_BASE_URL": "https://dons.example.org",
    "STRIPE_SECRET_KEY": "sk_test_production_rehearsal",
    "STRIPE_WEBHOOK_SECRET": "whsec_production_rehearsal",
    "STRIPE_API_BASE": "",
    **REAL_FOUNDATION,
}
