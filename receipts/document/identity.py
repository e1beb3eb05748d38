"""The foundation as a receipt names it; built from configuration, never from code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class FoundationIdentity:
    name: str
    address: str
    siren: str
    rna: str
    object: str
    rup_decree_date: dt.date
    rup_journal_officiel_date: dt.date
    signatory_name: str
    signatory_title: str
    signature_image: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FoundationIdentity:
        """Read the FOUNDATION_* settings."""
        return cls(
            name=config["FOUNDATION_NAME"],
            address=config["FOUNDATION_ADDRESS"],
            siren=config["FOUNDATION_SIREN"],
            rna=config["FOUNDATION_RNA"],
            object=config["FOUNDATION_OBJECT"],
            rup_decree_date=config["FOUNDATION_RUP_DECREE_DATE"],
            rup_journal_officiel_date=config["FOUNDATION_RUP_JO_DATE"],
            signatory_name=config["FOUNDATION_SIGNATORY_NAME"],
            signatory_title=config["FOUNDATION_SIGNATORY_TITLE"],
            signature_image=config["FOUNDATION_SIGNATURE_IMAGE"] or "",
        )
