"""What finance typed in the search box: an exact identifier first, on its own index, then names.

An identifier (a receipt number, an email, a SIREN, a donation's public id, a
Stripe id of a session, payment, subscription, charge, invoice or customer)
is looked up exactly, in one statement whose every branch reads one unique
or plain index; only when nothing matches is the text taken as names. Names
are compared on the normalised `search_text` columns (donations.models.
search_text): accents and case never matter, and PostgreSQL answers from its
trigram indexes. Or-ing the identifiers with the name conditions, as before,
made every search read the whole table.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, union
from sqlalchemy.orm import Session

from donations.models import Donation, Donor, Payment, Receipt, receipt_payment
from donations.models.search_text import normalised

_SIREN = re.compile(r"\d{9}")
_ONE_TOKEN = re.compile(r"\S+")


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_all(column: Any, words: list[str]) -> ColumnElement[bool]:
    # The pattern is built here, not in SQL: PostgreSQL sees a constant and can use the trigram index.
    return and_(*(column.like(f"%{_escaped(word)}%", escape="\\") for word in words))


def _identifier_branches(text: str, dialect: str) -> list[Select[Any]]:
    """One SELECT of donation ids per kind of identifier `text` could be, each on its own index."""
    branches: list[Select[Any]] = []
    siren = text.replace(" ", "")
    if _SIREN.fullmatch(siren):
        branches.append(select(Donation.id).join(Donor, Donor.id == Donation.donor_id).where(Donor.siren == siren))
    if not _ONE_TOKEN.fullmatch(text):
        return branches
    if "@" in text:
        # PostgreSQL: the lower(email) index; SQLite (no expression index): the email as typed or in lower case.
        email = (
            func.lower(Donor.email) == text.lower()
            if dialect == "postgresql"
            else Donor.email.in_({text, text.lower()})
        )
        branches.append(select(Donation.id).join(Donor, Donor.id == Donation.donor_id).where(email))
        return branches
    for column in (
        Donation.public_id,
        Donation.stripe_checkout_session_id,
        Donation.stripe_payment_intent_id,
        Donation.stripe_subscription_id,
        Donation.stripe_customer_id,
    ):
        branches.append(select(Donation.id).where(column == text))
    branches.append(
        select(Donation.id).join(Donor, Donor.id == Donation.donor_id).where(Donor.stripe_customer_id == text)
    )
    for column in (Payment.stripe_payment_intent_id, Payment.stripe_charge_id, Payment.stripe_invoice_id):
        branches.append(select(Payment.donation_id).where(column == text))
    branches.append(
        select(Payment.donation_id)
        .join(receipt_payment, receipt_payment.c.payment_id == Payment.id)
        .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
        .where(Receipt.number == text)
    )
    return branches


def identified_donations(session: Session, q: str) -> tuple[int, ...]:
    """The ids of the donations `q` names exactly (empty when it names none)."""
    branches = _identifier_branches(q.strip(), session.get_bind().dialect.name)
    if not branches:
        return ()
    return tuple(sorted(set(session.scalars(union(*branches)))))


def name_parts(q: str) -> tuple[ColumnElement[bool], ColumnElement[bool]] | None:
    """(the donor record holds every word of `q`, the identity given with the gift does), or None if no word.

    The first reads Donor, the second Donation: a list pages each on its own (a LIMIT per part, then
    the union), so a common name reads a page of rows, not every donation of every donor so named."""
    words = normalised(q).split()
    if not words:
        return None
    return _contains_all(Donor.search_text, words), _contains_all(Donation.search_text, words)


def named(q: str) -> ColumnElement[bool] | None:
    """Donations whose donor record, or the identity given with the gift, holds every word of `q`."""
    words = normalised(q).split()
    if not words:
        return None
    by_donor = select(Donation.id).where(
        Donation.donor_id.in_(select(Donor.id).where(_contains_all(Donor.search_text, words)))
    )
    by_gift = select(Donation.id).where(_contains_all(Donation.search_text, words))
    # A union of two id sets, each read from its own index; an OR across them would read every donation.
    return Donation.id.in_(union(by_donor, by_gift))
