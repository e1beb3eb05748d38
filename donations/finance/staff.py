"""Staff accounts of the back office: creation, sign-in checks, activation.

Passwords are hashed with Werkzeug's `generate_password_hash` (scrypt, salted);
only the hash is stored. A password must also resist guessing: zxcvbn refuses
the common and breached passwords of its lists, keyboard walks, dates and words
of the account's own email or the foundation's trade. Each account carries a
session generation: signing out, a new password or deactivation move it on,
which ends every session of the account (access.py checks it on each request).
Functions add and flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from donations.models import StaffRole, StaffUser

# Long enough to resist offline guessing should the hashes ever leak.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# zxcvbn's scale: 3 is "safely unguessable" against online guessing, well beyond the common lists.
MIN_PASSWORD_SCORE = 3
# zxcvbn reads at most 72 characters; a longer password is judged on its start (and is long anyway).
_ZXCVBN_MAX = 72
# Words anyone would try first against this back office, and the French favourites that zxcvbn's
# English lists lack (from the published rankings of leaked French passwords).
_TRADE_WORDS = (
    "fondation",
    "foundation",
    "don",
    "dons",
    "donation",
    "donateur",
    "recu",
    "reçu",
    "fiscal",
    "compta",
    "finance",
    "admin",
    "stripe",
)
_FRENCH_FAVOURITES = (
    "motdepasse",
    "azerty",
    "soleil",
    "bonjour",
    "doudou",
    "chouchou",
    "loulou",
    "marseille",
    "jetaime",
    "coucou",
    "amour",
    "france",
    "paris",
)


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked; `code` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise_email(email: str) -> str:
    """Emails are compared without case or surrounding spaces."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """A salted scrypt hash of the password (Werkzeug's current default)."""
    return generate_password_hash(password)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Checked when the email is unknown, so a wrong email costs as long as a wrong password
    # and the answer's timing does not tell who has an account.
    return generate_password_hash("decoy password that matches nothing")


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse a password too short, absurdly long, or easy to guess (common, breached, or made of the
    account's email or the foundation's words), as zxcvbn judges it."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffError("too_short", f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError("too_long", f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    own_words = [part for part in re.split(r"[@.+_-]", normalise_email(email)) if part]
    if (
        zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[*_TRADE_WORDS, *_FRENCH_FAVOURITES, *own_words])["score"]
        < MIN_PASSWORD_SCORE
    ):
        raise StaffError(
            "weak", "This password is too common or too easy to guess; choose a longer phrase of unusual words."
        )


def staff_by_email(session: Session, email: str) -> StaffUser | None:
    """The account with this email, whatever its case."""
    return session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email))).first()


def create_staff(session: Session, email: str, role: StaffRole, password: str) -> StaffUser:
    """A new active account; refuses an email already used or a weak password."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise StaffError("bad_email", "Please give a valid email address.")
    check_password_strength(password, email)
    if staff_by_email(session, email) is not None:
        raise StaffError("taken", f"An account already exists for {email}.")
    staff = StaffUser(email=email, password_hash=hash_password(password), role=StaffRole(role), active=True)
    session.add(staff)
    session.flush()
    return staff


def authenticate(session: Session, email: str, password: str, now: dt.datetime) -> StaffUser | None:
    """The active account matching email and password, its sign-in time recorded; None otherwise.

    Unknown email, wrong password and deactivated account all answer None, so
    the caller shows one message whatever the reason.
    """
    staff = staff_by_email(session, email)
    if staff is None:
        check_password_hash(_decoy_hash(), password or "")
        return None
    if not check_password_hash(staff.password_hash, password or "") or not staff.active:
        return None
    staff.last_login_at = now
    return staff


def set_active(staff: StaffUser, active: bool, acting: StaffUser) -> None:
    """Activate or deactivate an account; nobody deactivates their own (the last admin stays).

    Deactivation ends every session of the account at once.
    """
    if staff.id == acting.id and not active:
        raise StaffError("self", "You cannot deactivate your own account.")
    if staff.active and not active:
        end_sessions(staff)
    staff.active = active


def set_password(staff: StaffUser, password: str) -> None:
    """A new password (checked like a new account's); every session opened with the old one ends."""
    check_password_strength(password, staff.email)
    staff.password_hash = hash_password(password)
    end_sessions(staff)


def end_sessions(staff: StaffUser) -> None:
    """End every session of the account, on every browser (sign-out, new password, deactivation)."""
    staff.session_generation = (staff.session_generation or 0) + 1


def all_staff(session: Session) -> list[StaffUser]:
    """Every account, active first, then by email."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.email)))
