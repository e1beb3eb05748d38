"""The audit trail's pages, newest first, by keyset (as the donations list: donations.finance.keyset).

A page starts after the (at, id) of the last entry seen, read from the index
(at, id) or, for one kind of action, (action, at, id): page 2 000 costs what
page 1 does. The count stops past COUNT_LIMIT ("more than").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from donations.finance.keyset import COUNT_LIMIT, decode_cursor, encode_cursor
from donations.models import AuditEntry, StaffUser

PER_PAGE = 50


@dataclass(frozen=True)
class TrailPage:
    """One page of the trail with who acted, and the cursors of the pages around it."""

    rows: list[tuple[AuditEntry, str | None]]
    total: int  # at most COUNT_LIMIT + 1
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_LIMIT


def trail_page(
    session: Session,
    action: str | None = None,
    after: str | None = None,
    before: str | None = None,
    per_page: int = PER_PAGE,
) -> TrailPage:
    """The entries after the cursor `after` (or before `before`; else the newest), optionally one action.
    A cursor that does not read back raises BadCursor."""
    only = (AuditEntry.action == action,) if action else ()
    key = tuple_(AuditEntry.at, AuditEntry.id)
    query = (
        select(AuditEntry, StaffUser.email).outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_user_id).where(*only)
    )
    backwards = before is not None and after is None
    if after is not None:
        at, entry_id = decode_cursor("created", after)
        query = query.where(key < tuple_(at, entry_id))
    elif backwards:
        at, entry_id = decode_cursor("created", before)  # type: ignore[arg-type]
        query = query.where(key > tuple_(at, entry_id))
    if backwards:  # the entries just newer, read oldest first, then put back newest first
        query = query.order_by(AuditEntry.at.asc(), AuditEntry.id.asc())
    else:
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    rows: list[tuple[AuditEntry, str | None]] = [(e, email) for e, email in session.execute(query.limit(per_page + 1))]
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    counted = select(AuditEntry.id).where(*only).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    has_next = more if not backwards else True
    has_previous = after is not None or (backwards and more)
    first, last = (rows[0][0], rows[-1][0]) if rows else (None, None)
    return TrailPage(
        rows=rows,
        total=total,
        next_cursor=encode_cursor(last.at, last.id) if last is not None and has_next else None,
        previous_cursor=encode_cursor(first.at, first.id) if first is not None and has_previous else None,
    )
