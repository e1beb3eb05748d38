"""Every event Stripe sent us, kept by its id so a repeat is never applied twice."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column


class EventOutcome(enum.StrEnum):
    RECEIVED = "received"
    APPLIED = "applied"
    IGNORED = "ignored"
    FAILED = "failed"
    # Signed but unusable for good (malformed, or naming another donation's Stripe objects): kept, never applied or retried.
    REJECTED = "rejected"


class StripeEvent(Base):
    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[EventOutcome] = mapped_column(enum_column(EventOutcome), default=EventOutcome.RECEIVED, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    donation_id: Mapped[int | None] = mapped_column(index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
