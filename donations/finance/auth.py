"""Who is signed in to the back office."""

from __future__ import annotations

from donations.extensions import db, login_manager
from donations.models import StaffUser


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    return db.session.get(StaffUser, int(user_id))
