"""The frozen snapshot a tax receipt is drawn from.

A receipt row stores `ReceiptSnapshot.to_json()`: every mention the PDF
prints, and nothing else. `receipts.document.cerfa.draw_receipt` draws from the
snapshot alone, so a receipt can be drawn again, byte for byte, years later,
whatever became of the donor, the configuration or the code around it.

The snapshot checks itself when built (`ValueError`): a receipt that could not
be valid (mixed forms, an annual recap whose payments do not add up, ...) is
refused before a number is spent on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from receipts.document.snapshot_json import fields_of as _fields_of
from receipts.document.snapshot_json import iso as _iso
from receipts.document.snapshot_json import known as _known
from receipts.financial_year import CALENDAR_YEAR_END, check_year_end, within_one

__all__ = [
    "CURRENT_EDITION",
    "EDITIONS",
    "FIRST_EDITION",
    "FORM_COMPANY",
    "FORM_INDIVIDUAL",
    "SCHEMA_VERSION",
    "DonorMentions",
    "FoundationMentions",
    "PaymentLine",
    "ReceiptSnapshot",
]

SCHEMA_VERSION = 1
FORM_INDIVIDUAL = "11580"
FORM_COMPANY = "16216"

NUMBER_PATTERN = re.compile(r"\d{4}-\d{6}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_KINDS = ("per_gift", "annual")
_DONOR_TYPES = ("individual", "company")
_ARTICLES = {FORM_INDIVIDUAL: ("200", "978"), FORM_COMPANY: ("238 bis",)}
_FORM_FOR_DONOR = {"individual": FORM_INDIVIDUAL, "company": FORM_COMPANY}
FORMS_OF_GIFT = ("acte_authentique", "acte_sous_seing_prive", "declaration_de_don_manuel", "autres")
NATURES = ("numeraire", "titres", "autres")
PAYMENT_METHODS = ("especes", "cheque", "virement_prelevement_carte")
# Which drawing of the forms a receipt was issued with: a receipt is always redrawn with its own edition,
# so that a lost file hashes as recorded. "2026-11" is every receipt stored before the field existed.
FIRST_EDITION = "2026-11"
# "2026-12": the wording of Cerfa 11580*05 (2023) and 16216*03, with "Comment déclarer ?"; "2027-01": the same,
# that box naming each return's box (receipts.filing).
CURRENT_EDITION = "2027-01"
EDITIONS = (FIRST_EDITION, "2026-12", CURRENT_EDITION)


def _date(value: Any, name: str) -> dt.date:
    # A datetime is a date too, but would not survive the JSON round trip as one.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be a date, not {type(value).__name__}")
    return value


def _text(value: Any, name: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{name} is required on a receipt")
    return value


def _cents(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be integer cents, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def _subset(values: Any, allowed: tuple[str, ...], name: str) -> None:
    if not isinstance(values, tuple):
        raise ValueError(f"{name} must be a tuple")
    if len(set(values)) != len(values) or not set(values) <= set(allowed):
        raise ValueError(f"{name} must be distinct values among {allowed}, got {values}")


@dataclass(frozen=True)
class FoundationMentions:
    """The foundation as a receipt names it (mandatory mentions 2 and 10): built from
    configuration (`from_config`), frozen in each snapshot, never written in code."""

    name: str
    address: str
    siren: str
    rna: str
    object: str
    rup_decree_date: dt.date
    rup_journal_officiel_date: dt.date
    signatory_name: str
    signatory_title: str
    signature_sha256: str = ""

    def __post_init__(self) -> None:
        for name in ("name", "address", "object", "signatory_name", "signatory_title"):
            _text(getattr(self, name), f"foundation.{name}", required=True)
        _text(self.siren, "foundation.siren")
        _text(self.rna, "foundation.rna")
        if not (self.siren.strip() or self.rna.strip()):
            raise ValueError("the foundation needs a SIREN or an RNA number")
        _date(self.rup_decree_date, "foundation.rup_decree_date")
        _date(self.rup_journal_officiel_date, "foundation.rup_journal_officiel_date")
        if self.signature_sha256 and not re.fullmatch(r"[0-9a-f]{64}", self.signature_sha256):
            raise ValueError("foundation.signature_sha256 must be a lowercase hex sha256 or empty")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FoundationMentions:
        """The configured foundation (the FOUNDATION_* settings); the signature's sha256 is added at issue."""
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
        )

    def signed_with(self, signature_sha256: str) -> FoundationMentions:
        """The same mentions, printing the sha256 of the signature image the receipt carries."""
        return replace(self, signature_sha256=signature_sha256)

    def to_json(self) -> dict[str, Any]:
        data = _fields_of(self)
        data["rup_decree_date"] = self.rup_decree_date.isoformat()
        data["rup_journal_officiel_date"] = self.rup_journal_officiel_date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FoundationMentions:
        values = _known(cls, data, "foundation")
        values["rup_decree_date"] = _iso(values["rup_decree_date"], "foundation.rup_decree_date")
        values["rup_journal_officiel_date"] = _iso(
            values["rup_journal_officiel_date"], "foundation.rup_journal_officiel_date"
        )
        return cls(**values)


@dataclass(frozen=True)
class DonorMentions:
    """The donor as the receipt names it (mandatory mention 3; company details for form 16216)."""

    donor_type: str
    first_name: str
    last_name: str
    company_name: str
    legal_form: str
    siren: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    country_name: str
    # The company's financial-year end ("MM-DD"): never printed, it bounds a recap's period. Absent from JSON
    # when 31 December, as in every snapshot stored before it existed.
    financial_year_end: str = CALENDAR_YEAR_END

    def __post_init__(self) -> None:
        if self.donor_type not in _DONOR_TYPES:
            raise ValueError(f"donor.donor_type must be one of {_DONOR_TYPES}, got {self.donor_type!r}")
        for f in fields(self):
            _text(getattr(self, f.name), f"donor.{f.name}")
        for name in ("address_line1", "city", "country_name"):
            _text(getattr(self, name), f"donor.{name}", required=True)
        if not _COUNTRY.fullmatch(self.country):
            raise ValueError(f"donor.country must be an ISO 3166 alpha-2 code, got {self.country!r}")
        check_year_end(self.financial_year_end)
        if self.donor_type == "individual":
            _text(self.last_name, "donor.last_name", required=True)
            if self.financial_year_end != CALENDAR_YEAR_END:
                raise ValueError("an individual's gifts are counted by calendar year (financial_year_end 12-31)")
        else:
            for name in ("company_name", "legal_form", "siren"):
                _text(getattr(self, name), f"donor.{name}", required=True)

    def to_json(self) -> dict[str, Any]:
        data = _fields_of(self)
        if self.financial_year_end == CALENDAR_YEAR_END:
            del data["financial_year_end"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DonorMentions:
        return cls(**_known(cls, data, "donor"))


@dataclass(frozen=True)
class PaymentLine:
    """One payment listed on an annual recap: the Paris date received and the amount kept."""

    date: dt.date
    amount_cents: int

    def __post_init__(self) -> None:
        _date(self.date, "payment.date")
        _cents(self.amount_cents, "payment.amount_cents")


@dataclass(frozen=True)
class ReceiptSnapshot:
    """Every mention of one receipt, frozen when it is issued (see the module docstring)."""

    schema: int
    number: str
    form: str
    form_version: str
    kind: str
    specimen: bool
    issued_on: dt.date
    foundation: FoundationMentions
    donor: DonorMentions
    amount_cents: int
    articles: tuple[str, ...]
    form_of_gift: str
    nature: str
    payment_methods: tuple[str, ...]
    paid_on: dt.date | None
    period: tuple[dt.date, dt.date] | None
    payments: tuple[PaymentLine, ...]
    replaces: str | None
    verification_url: str
    # An IFI gift split between articles 978 and 200: the number of the other part's receipt.
    split_with: str | None = None
    # The drawing the receipt was issued with (EDITIONS); absent from JSON stored before it existed.
    edition: str = FIRST_EDITION

    def __post_init__(self) -> None:
        validate(self)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (dates as ISO strings, amounts as int cents); `from_json` reverses it exactly."""
        return {
            "schema": self.schema,
            "number": self.number,
            "form": self.form,
            "form_version": self.form_version,
            "kind": self.kind,
            "specimen": self.specimen,
            "issued_on": self.issued_on.isoformat(),
            "foundation": self.foundation.to_json(),
            "donor": self.donor.to_json(),
            "amount_cents": self.amount_cents,
            "articles": list(self.articles),
            "form_of_gift": self.form_of_gift,
            "nature": self.nature,
            "payment_methods": list(self.payment_methods),
            "paid_on": self.paid_on.isoformat() if self.paid_on else None,
            "period": [self.period[0].isoformat(), self.period[1].isoformat()] if self.period else None,
            "payments": [{"date": p.date.isoformat(), "amount_cents": p.amount_cents} for p in self.payments],
            "replaces": self.replaces,
            "verification_url": self.verification_url,
            # Only when set: a snapshot stored before the field existed reads back the same.
            **({"split_with": self.split_with} if self.split_with is not None else {}),
            **({"edition": self.edition} if self.edition != FIRST_EDITION else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReceiptSnapshot:
        """Rebuild a snapshot stored by `to_json`; raises ValueError for an unknown schema or bad data."""
        values = _known(cls, data, "snapshot")
        if values["schema"] != SCHEMA_VERSION:
            raise ValueError(f"unknown receipt snapshot schema {values['schema']!r}")
        period = values["period"]
        if period is not None:
            if not isinstance(period, (list, tuple)) or len(period) != 2:
                raise ValueError("period must be a pair of dates")
            period = (_iso(period[0], "period"), _iso(period[1], "period"))
        return cls(
            **{
                **values,
                "issued_on": _iso(values["issued_on"], "issued_on"),
                "foundation": FoundationMentions.from_json(values["foundation"]),
                "donor": DonorMentions.from_json(values["donor"]),
                "articles": tuple(values["articles"]),
                "payment_methods": tuple(values["payment_methods"]),
                "paid_on": None if values["paid_on"] is None else _iso(values["paid_on"], "paid_on"),
                "period": period,
                "payments": tuple(
                    PaymentLine(_iso(p["date"], "payment.date"), p["amount_cents"]) for p in values["payments"]
                ),
            }
        )


def validate(snapshot: ReceiptSnapshot) -> None:
    """Raise ValueError unless the snapshot describes a receipt that could be valid."""
    s = snapshot
    if s.schema != SCHEMA_VERSION:
        raise ValueError(f"schema must be {SCHEMA_VERSION}, got {s.schema!r}")
    if not isinstance(s.number, str) or not NUMBER_PATTERN.fullmatch(s.number):
        raise ValueError(f"receipt number must look like 2026-000042, got {s.number!r}")
    if s.form not in _ARTICLES:
        raise ValueError(f"form must be {FORM_INDIVIDUAL} or {FORM_COMPANY}, got {s.form!r}")
    if not isinstance(s.form_version, str) or not re.fullmatch(rf"{s.form}\*\d\d", s.form_version):
        raise ValueError(f"form_version must look like {s.form}*01, got {s.form_version!r}")
    if s.kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {s.kind!r}")
    if not isinstance(s.specimen, bool):
        raise ValueError("specimen must be a bool")
    _date(s.issued_on, "issued_on")
    if not isinstance(s.foundation, FoundationMentions) or not isinstance(s.donor, DonorMentions):
        raise ValueError("foundation and donor must be FoundationMentions and DonorMentions")
    if _FORM_FOR_DONOR[s.donor.donor_type] != s.form:
        raise ValueError(f"a {s.donor.donor_type} donor's receipt is on form {_FORM_FOR_DONOR[s.donor.donor_type]}")
    _cents(s.amount_cents, "amount_cents")
    # Never mix the two forms: 200/978 only on 11580, 238 bis only (and always) on 16216.
    _subset(s.articles, _ARTICLES[s.form], "articles")
    if not s.articles or (s.form == FORM_COMPANY and s.articles != ("238 bis",)):
        raise ValueError(f"form {s.form} ticks {' and/or '.join(_ARTICLES[s.form])}, got {s.articles}")
    if s.form_of_gift not in FORMS_OF_GIFT:
        raise ValueError(f"form_of_gift must be one of {FORMS_OF_GIFT}, got {s.form_of_gift!r}")
    if s.nature not in NATURES:
        raise ValueError(f"nature must be one of {NATURES}, got {s.nature!r}")
    _subset(s.payment_methods, PAYMENT_METHODS, "payment_methods")
    if (s.nature == "numeraire") != bool(s.payment_methods):
        raise ValueError("a gift in cash (numéraire) states its payment method, and only such a gift does")
    _validate_dates(s)
    if s.replaces is not None and (not isinstance(s.replaces, str) or not NUMBER_PATTERN.fullmatch(s.replaces)):
        raise ValueError(f"replaces must be a receipt number, got {s.replaces!r}")
    if s.replaces == s.number:
        raise ValueError("a receipt cannot replace itself")
    if not isinstance(s.verification_url, str) or not re.fullmatch(r"https?://\S+", s.verification_url):
        raise ValueError(f"verification_url must be an http(s) URL, got {s.verification_url!r}")
    if s.edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {s.edition!r}")
    if s.split_with is not None:
        if not isinstance(s.split_with, str) or not NUMBER_PATTERN.fullmatch(s.split_with) or s.split_with == s.number:
            raise ValueError(f"split_with must be the number of another receipt, got {s.split_with!r}")
        if s.form != FORM_INDIVIDUAL or s.kind != "per_gift" or len(s.articles) != 1:
            raise ValueError("only a per-gift receipt of one article (200 or 978) is split with another")


def _validate_dates(s: ReceiptSnapshot) -> None:
    if s.paid_on is not None:
        _date(s.paid_on, "paid_on")
    if s.period is not None:
        if not isinstance(s.period, tuple) or len(s.period) != 2:
            raise ValueError("period must be a (start, end) tuple of dates")
        start, end = _date(s.period[0], "period start"), _date(s.period[1], "period end")
        if start > end:
            raise ValueError("period starts after it ends")
        # Form 16216, note 5: a period never straddles two of the company's financial years.
        if s.form == FORM_COMPANY and not within_one(s.donor.financial_year_end, start, end):
            raise ValueError(
                f"a company's receipt covers a period within one of its financial years "
                f"(ending on {s.donor.financial_year_end}), not {start.isoformat()} to {end.isoformat()}"
            )
    if not isinstance(s.payments, tuple) or not all(isinstance(p, PaymentLine) for p in s.payments):
        raise ValueError("payments must be a tuple of PaymentLine")
    if s.kind == "annual":
        if s.period is None or not s.payments:
            raise ValueError("an annual recap states its period and lists its payments")
        if s.paid_on is not None:
            raise ValueError("an annual recap has a period, not a single payment date")
        if sum(p.amount_cents for p in s.payments) != s.amount_cents:
            raise ValueError("the payments of an annual recap must add up to its amount")
        if any(not s.period[0] <= p.date <= s.period[1] for p in s.payments):
            raise ValueError("every payment of an annual recap falls within its period")
    else:
        if s.paid_on is None:
            raise ValueError("a per-gift receipt states the date the gift was received (paid_on)")
        if s.payments:
            raise ValueError("only an annual recap lists payments")
