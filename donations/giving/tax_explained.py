"""The law explained where it matters: the IFI year a gift counts for and its filing deadline,
the preset amounts' impact text and the trust labels the foundation configures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from donations.clock import paris_date, utcnow
from donations.tax import ifi_year


def ifi_deadline(config: Mapping[str, Any], today: dt.date | None = None) -> tuple[int, dt.date]:
    """The IFI year a gift made `today` (Paris) counts for, and that year's filing deadline."""
    today = today or paris_date(utcnow())
    month, day = config["TAX_IFI_DEADLINE"]
    year = ifi_year(today, (month, day))
    return year, dt.date(year, month, day)


def parse_impacts(text: str | None) -> dict[int, str]:
    """`30=text|50=text` (euros=sentence) as {cents: sentence}; ValueError on a malformed entry."""
    impacts: dict[int, str] = {}
    for entry in (text or "").split("|"):
        if not entry.strip():
            continue
        euros, sep, sentence = entry.partition("=")
        if not sep or not euros.strip().isdigit() or not sentence.strip():
            raise ValueError(f"expected euros=sentence, got {entry.strip()!r}")
        impacts[int(euros.strip()) * 100] = sentence.strip()
    return impacts


def impacts_for(config: Mapping[str, Any], language: str) -> dict[int, str]:
    """What each preset amount makes possible, in the visitor's language (French when English has none)."""
    own = config.get("DONATION_IMPACT_EN") if language == "en" else None
    return own or config.get("DONATION_IMPACT_FR") or {}


def trust_labels(config: Mapping[str, Any]) -> list[str]:
    """The labels and certifications the foundation holds, as configured (names, not translated)."""
    return [label.strip() for label in str(config.get("FOUNDATION_TRUST_LABELS") or "").split("|") if label.strip()]
