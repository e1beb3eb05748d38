"""What issuing a receipt needs: the context from configuration, what was issued, the donor's mentions of the gifts covered, the form's boxes for the articles and the ways of paying."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from donations.clock import paris_date
from donations.models import (
    DonorIdentity,
    DonorType,
    Payment,
    Receipt,
    TaxScheme,
)
from receipts.document.snapshot import (
    DonorMentions,
    FoundationMentions,
)

INDIVIDUAL_FORM_VERSION = "11580*05"
ARTICLE_FOR_SCHEME = {TaxScheme.INCOME_TAX: "200", TaxScheme.IFI: "978", TaxScheme.COMPANY: "238 bis"}
# The Cerfa groups transfer, direct debit and card in one box; cards and SEPA debits both tick it.
ONLINE_PAYMENT = "virement_prelevement_carte"
# The box each way of paying ticks: cash and cheques have their own, everything else is the grouped one.
CERFA_PAYMENT_BOX = {"cash": "especes", "cheque": "cheque"}
_BOX_ORDER = ("especes", "cheque", ONLINE_PAYMENT)


def payment_boxes(payments: Iterable[Payment]) -> tuple[str, ...]:
    """The Cerfa payment-method boxes the payments tick (in the form's order); the grouped box for none."""
    ticked = {CERFA_PAYMENT_BOX.get(getattr(p.method, "value", p.method), ONLINE_PAYMENT) for p in payments}
    return tuple(box for box in _BOX_ORDER if box in ticked) or (ONLINE_PAYMENT,)


@dataclass(frozen=True)
class IssuingContext:
    """What every receipt needs besides the gift: who issues it, when, and how it is verified."""

    foundation: FoundationMentions
    company_form_version: str
    now: dt.datetime
    verification_url: Callable[[str, str], str]  # (number, code) -> URL
    country_name: Callable[[str], str]
    signature_png: bytes | None = None

    @property
    def today(self) -> dt.date:
        return paris_date(self.now)


@dataclass(frozen=True)
class Issued:
    """A receipt just issued, with its PDF when drawn (`new_receipt(draw=True)`).

    Receipts are issued without drawing (`pdf` is None): once the transaction
    has committed, the PDF is drawn, stored and its hash recorded by a job, so
    that a PDF that cannot be drawn never undoes the payment it receipts.
    """

    receipt: Receipt
    pdf: bytes | None


def donor_mentions(identity: DonorIdentity, country_name: Callable[[str], str]) -> DonorMentions:
    """The donor as the receipt prints them: the identity given with the gift(s), frozen."""
    company = identity.donor_type == DonorType.COMPANY.value
    return DonorMentions(
        donor_type=identity.donor_type,
        first_name=identity.first_name,
        last_name=identity.last_name,
        company_name=identity.company_name if company else "",
        legal_form=identity.legal_form if company else "",
        siren=identity.siren if company else "",
        address_line1=identity.address_line1,
        address_line2=identity.address_line2,
        postal_code=identity.postal_code,
        city=identity.city,
        country=identity.country,
        country_name=country_name(identity.country),
    )


def identity_of(payments: Iterable[Payment]) -> DonorIdentity:
    """The one identity the gifts of these payments were given with (a receipt prints one)."""
    identities = {p.donation.given_identity for p in payments}
    if len(identities) != 1:
        raise ValueError(f"a receipt covers gifts of one identity, got {len(identities)}")
    return identities.pop()
