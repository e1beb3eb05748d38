"""The audit trail of the back office: who did what, when, from where.

Entries are only ever added: the application has no code path that edits or
deletes one. Downloads are recorded like actions, since a receipt or an
export carries donors' personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.clock import utcnow
from donations.models import AuditEntry, Donation, Payment, Receipt, StaffUser

# The names of actions, as stored (stable: the audit page and scripts filter on them).
SIGN_IN = "staff.sign_in"
SIGN_IN_FAILED = "staff.sign_in_failed"
SIGN_OUT = "staff.sign_out"
STAFF_CREATED = "staff.create"
STAFF_DEACTIVATED = "staff.deactivate"
STAFF_REACTIVATED = "staff.reactivate"
PASSWORD_SET = "staff.set_password"
RECEIPT_DOWNLOADED = "receipt.download"
RECEIPTS_ZIP = "receipts.zip"
RECEIPTS_CSV = "receipts.export"
DONATIONS_CSV = "donations.export"
DECLARATION_CSV = "declaration.export"
RECEIPT_RESENT = "receipt.resend"
RECEIPT_CANCELLED = "receipt.cancel"
REFUND_REQUESTED = "payment.refund"
MONTHLY_CANCEL_REQUESTED = "donation.cancel_monthly"
FEC_DOWNLOADED = "accounting.fec"
REPORT_CSV = "reports.export"
OFFLINE_GIFT_RECORDED = "gift.record"
OFFLINE_GIFTS_IMPORTED = "gifts.import"
OFFLINE_GIFT_CANCELLED = "gift.cancel"
POSTAL_BATCH_PRINTED = "receipts.postal_batch"
DEPOSIT_SLIP_CREATED = "deposit_slip.create"
DEPOSIT_SLIP_DOWNLOADED = "deposit_slip.download"
BANK_STATEMENT_IMPORTED = "bank.import"
BANK_CREDIT_MATCHED = "bank.match"
CAMPAIGN_SAVED = "campaign.save"

Target = Donation | Payment | Receipt | StaffUser | tuple[str, str] | None


def target_of(target: Target) -> tuple[str | None, str | None]:
    """(type, id) as stored: the identifier finance reads (a receipt's number, a donation's public id)."""
    if target is None:
        return None, None
    if isinstance(target, tuple):
        return target
    if isinstance(target, Receipt):
        return "receipt", target.number
    if isinstance(target, Donation):
        return "donation", target.public_id
    if isinstance(target, Payment):
        return "payment", str(target.id)
    return "staff", target.email


def record(
    session: Session,
    staff: StaffUser | None,
    action: str,
    target: Target,
    ip: str | None,
    details: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Add one entry (the caller commits it with the action it describes)."""
    target_type, target_id = target_of(target)
    entry = AuditEntry(
        at=now or utcnow(),
        staff_user_id=staff.id if staff is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip_address=(ip or "")[:45] or None,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry


def entries_about(session: Session, targets: Sequence[tuple[str, str]], actions: Sequence[str]) -> list[AuditEntry]:
    """The entries of these actions on these targets, oldest first (e.g. refunds asked for a donation's payments)."""
    if not targets:
        return []
    by_type: dict[str, list[str]] = {}
    for target_type, target_id in targets:
        by_type.setdefault(target_type, []).append(target_id)
    found: list[AuditEntry] = []
    for target_type, ids in by_type.items():
        found.extend(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.target_type == target_type, AuditEntry.target_id.in_(ids), AuditEntry.action.in_(actions)
                )
            )
        )
    return sorted(found, key=lambda entry: (entry.at, entry.id))
