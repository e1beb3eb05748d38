"""The people and companies who give."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from donations.models.donation import Donation


class DonorType(enum.StrEnum):
    INDIVIDUAL = "individual"
    COMPANY = "company"


class Donor(Base):
    """Who gave: what a receipt must name, and how to reach them."""

    __tablename__ = "donor"
    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint(
            "donor_type = 'individual' OR (company_name IS NOT NULL AND siren IS NOT NULL)", name="company_identified"
        ),
        Index("ix_donor_email", "email"),
        Index("ix_donor_siren", "siren"),
        Index("ix_donor_last_name", "last_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    donor_type: Mapped[DonorType] = mapped_column(enum_column(DonorType))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    company_name: Mapped[str | None] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(100))
    siren: Mapped[str | None] = mapped_column(String(9))
    # A company's financial-year end, "MM-DD" (receipts.financial_year): its recaps end there. 12-31 for individuals.
    financial_year_end: Mapped[str] = mapped_column(String(5), default="12-31", server_default="12-31")
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The mode (live or test) the customer id belongs to: never reused in the other mode. None: unknown.
    stripe_customer_livemode: Mapped[bool | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Erasure (GDPR): personal data removed, or kept locked because receipts
    # issued to this donor must be kept six years.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Names and email normalised for search (donations.models.search_text keeps it up to date).
    search_text: Mapped[str | None] = mapped_column(Text)

    donations: Mapped[list[Donation]] = relationship(back_populates="donor")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def identity(self) -> DonorIdentity:
        """The identity this record holds today (changed only through the signed-in portal)."""
        return DonorIdentity.of_donor(self)


@dataclass(frozen=True)
class DonorIdentity:
    """Who gave a gift, as given with it: what that gift's receipts print.

    A donation keeps the identity typed on its form, so whatever a visitor
    types with someone's email never changes that person's record or their
    receipts; a donor record changes only through the signed-in portal.
    """

    donor_type: str
    first_name: str
    last_name: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    company_name: str = ""
    legal_form: str = ""
    siren: str = ""

    @classmethod
    def of_donor(cls, donor: Donor) -> DonorIdentity:
        company = donor.donor_type == DonorType.COMPANY
        return cls(
            donor_type=DonorType(donor.donor_type).value,
            first_name=donor.first_name or "",
            last_name=donor.last_name or "",
            address_line1=donor.address_line1 or "",
            address_line2=donor.address_line2 or "",
            postal_code=donor.postal_code or "",
            city=donor.city or "",
            country=donor.country or "",
            company_name=(donor.company_name or "") if company else "",
            legal_form=(donor.legal_form or "") if company else "",
            siren=(donor.siren or "") if company else "",
        )

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DonorIdentity:
        known = {f.name for f in fields(cls)}
        return cls(**{key: str(value or "") for key, value in data.items() if key in known})

    def with_address(self, *, line1: str, line2: str, postal_code: str, city: str, country: str) -> DonorIdentity:
        return DonorIdentity(
            **{
                **self.to_json(),
                "address_line1": line1,
                "address_line2": line2,
                "postal_code": postal_code,
                "city": city,
                "country": country,
            }
        )

    def erased(self, mark: str) -> DonorIdentity:
        """The same identity with every personal mention replaced by `mark` (GDPR erasure)."""
        return DonorIdentity(
            donor_type=self.donor_type,
            first_name=mark,
            last_name=mark,
            address_line1=mark,
            address_line2="",
            postal_code=mark,
            city=mark,
            country=self.country,
            company_name=mark if self.company_name else "",
            legal_form=mark if self.legal_form else "",
            siren=self.siren,
        )


class DonorSignIn(Base):
    """A single-use sign-in link of the donor portal, kept by the hash of its token."""

    __tablename__ = "donor_sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The portal session the link opened ends when this is set (sign-out or erasure ends every
    # session of the email at once).
    session_ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
