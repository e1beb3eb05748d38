"""Finance staff and the trail of what they did."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column


class StaffRole(enum.StrEnum):
    FINANCE = "finance"
    ADMIN = "admin"


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Stored in each session at sign-in; moved on to end every session of the account.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    # What Flask-Login asks of a user, without importing it into the data model.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class AuditEntry(Base):
    """One action in the back office; written once, never edited by the app."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id"),
        # The trail read newest first by keyset, all of it or one action (donations.finance.audit).
        Index("ix_audit_entry_at_id", "at", "id"),
        Index("ix_audit_entry_action_at_id", "action", "at", "id"),
    )
    ip_address: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
