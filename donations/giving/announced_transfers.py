"""Transfers announced on the web: a donor chooses "par virement", gets the foundation's bank details and a
reference to write on the transfer; the gift waits, pending, for the bank statement that shows it
(`donations.finance.bank_statements`). Functions add and flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.bank_details import grouped_iban
from donations.finance.bank_statements import new_transfer_reference
from donations.giving import operations as giving
from donations.models import Donation, DonationChannel
from donations.tax import TaxRules

# A card or SEPA payment through Stripe stops here; a larger gift comes by transfer.
CARD_LIMIT_CENTS = 99_999_999


@dataclass(frozen=True)
class TransferInstructions:
    """What the donor needs to make the transfer."""

    beneficiary: str
    iban: str
    bic: str
    reference: str
    amount_cents: int


def transfers_offered(config: dict) -> bool:  # type: ignore[type-arg]
    """Whether the form offers "par virement": the foundation's IBAN and BIC are configured."""
    return bool(config.get("FOUNDATION_IBAN") and config.get("FOUNDATION_BIC"))


def announce_transfer(session: Session, gift: giving.GiftRequest, rules: TaxRules, livemode: bool) -> Donation:
    """Record the pending donation a donor will pay by transfer, with its own reference."""
    donation = giving.start_donation(session, gift, rules, livemode)
    if donation.transfer_reference:
        return donation  # the same form sent again
    donation.channel = DonationChannel.TRANSFER
    reference = new_transfer_reference()
    while session.scalars(select(Donation.id).where(Donation.transfer_reference == reference)).first() is not None:
        reference = new_transfer_reference()
    donation.transfer_reference = reference
    session.flush()
    return donation


def instructions_for(donation: Donation, config: dict) -> TransferInstructions:  # type: ignore[type-arg]
    return TransferInstructions(
        beneficiary=config["FOUNDATION_NAME"],
        iban=grouped_iban(config["FOUNDATION_IBAN"]),
        bic=config["FOUNDATION_BIC"],
        reference=donation.transfer_reference or "",
        amount_cents=donation.amount_cents,
    )
