"""A real foundation's identity, as a production environment sets it (start-up refuses the demo one)."""

from __future__ import annotations

from pathlib import Path

SIGNATURE_IMAGE = Path(__file__).resolve().parent / "signature.png"

REAL_FOUNDATION = {
    "FOUNDATION_NAME": "Fondation pour la recherche sur le cerveau",
    "FOUNDATION_ADDRESS": "47 boulevard de l'Hôpital, 75013 Paris, France",
    "FOUNDATION_SIREN": "732 829 320",
    "FOUNDATION_RUP_DECREE_DATE": "2006-09-13",
    "FOUNDATION_RUP_JO_DATE": "2006-09-15",
    "FOUNDATION_SIGNATORY_NAME": "Claire Dupont",
    "FOUNDATION_SIGNATORY_TITLE": "Directrice générale",
    "FOUNDATION_SIGNATURE_IMAGE": str(SIGNATURE_IMAGE),
}
