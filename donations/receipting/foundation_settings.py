"""The foundation's identity as receipts print it: what start-up refuses.

A receipt is a legal document. A service in production that would print a
placeholder SIREN, the demo name or signatory, or no decree dates issues
invalid receipts with every gift, so it does not start (each message names
the variable to set). Outside production the demo identity is fine: every
receipt there is a SPECIMEN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from donations.sirens import is_valid_siren

COMPANY_FORM_VERSION = re.compile(r"16216\*\d{2}")
DEMO_MARKERS = ("démonstration", "demonstration", "exemple", "example")
# Settings that must be given in production: their defaults are the demo foundation's.
REQUIRED_IN_PRODUCTION = (
    "FOUNDATION_NAME",
    "FOUNDATION_ADDRESS",
    "FOUNDATION_SIREN",
    "FOUNDATION_RUP_DECREE_DATE",
    "FOUNDATION_RUP_JO_DATE",
    "FOUNDATION_SIGNATORY_NAME",
    "FOUNDATION_SIGNATORY_TITLE",
    "FOUNDATION_SIGNATURE_IMAGE",
)


class FoundationSettingError(ValueError):
    """A setting of the foundation's identity that would make invalid receipts."""


def check_foundation(config: Mapping[str, Any], defaulted: frozenset[str], production: bool) -> None:
    """Refuse the identity settings that would print invalid receipts (FoundationSettingError)."""
    version = str(config.get("CERFA_COMPANY_VERSION") or "")
    if not COMPANY_FORM_VERSION.fullmatch(version):
        raise FoundationSettingError(
            f"CERFA_COMPANY_VERSION={version!r} must be the company form's number and version, such as 16216*03"
        )
    if not production:
        return
    for name in REQUIRED_IN_PRODUCTION:
        if name in defaulted or not str(config.get(name) or "").strip():
            raise FoundationSettingError(
                f"{name} must be set to the foundation's own value in production (receipts print it)"
            )
    siren = str(config["FOUNDATION_SIREN"]).replace(" ", "")
    if len(set(siren)) <= 1 or not is_valid_siren(siren):
        raise FoundationSettingError(
            f"FOUNDATION_SIREN={siren!r} is not a real SIREN (nine digits with a valid check digit)"
        )
    for name in ("FOUNDATION_NAME", "FOUNDATION_ADDRESS", "FOUNDATION_SIGNATORY_NAME"):
        if any(marker in str(config[name]).lower() for marker in DEMO_MARKERS):
            raise FoundationSettingError(f"{name}={config[name]!r} is the demo identity: set the foundation's own")
