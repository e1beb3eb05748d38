"""Signing donors in to their portal with single-use links sent by email.

Only the hash of a token is stored, so a copy of the database cannot be used
to sign in; a token works once, for a short time. The portal session a link
opens is tied to its sign-in row: signing out (or erasing) ends every session
of the email at once, a copied cookie included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from donations.extensions import db
from donations.models import Donor, DonorSignIn
from donations.platform.jobs import secret_args
from donations.platform.mail import deliver, message

LINK_LIFETIME = dt.timedelta(minutes=20)
LINKS_PER_EMAIL_PER_HOUR = 3


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def donor_for_email(session: Session, email: str) -> Donor | None:
    """The most recent donor record with this email that was not erased."""
    return session.scalars(
        select(Donor)
        .where(func.lower(Donor.email) == normalise_email(email), Donor.erased_at.is_(None))
        .order_by(Donor.id.desc())
    ).first()


def create_sign_in(session: Session, email: str, now: dt.datetime) -> str | None:
    """A new sign-in token for a known email, or None (unknown, or too many links lately).

    The caller answers the same either way, so nobody learns who gave.
    """
    email = normalise_email(email)
    if donor_for_email(session, email) is None:
        return None
    recent = session.scalar(
        select(func.count())
        .select_from(DonorSignIn)
        .where(DonorSignIn.email == email, DonorSignIn.created_at > now - dt.timedelta(hours=1))
    )
    if recent >= LINKS_PER_EMAIL_PER_HOUR:  # type: ignore[operator]
        return None
    token = secrets.token_urlsafe(32)
    session.add(DonorSignIn(email=email, token_hash=_hash(token), created_at=now, expires_at=now + LINK_LIFETIME))
    session.flush()
    return token


def redeem_sign_in(session: Session, token: str, now: dt.datetime) -> DonorSignIn | None:
    """The sign-in a token opens, spending the token; None if unknown, used or expired.

    One conditional UPDATE both checks and spends the token, so two clicks at
    once cannot both sign in.
    """
    if not token or len(token) > 100:
        return None
    token_hash = _hash(token)
    spent = session.execute(
        update(DonorSignIn)
        .where(DonorSignIn.token_hash == token_hash, DonorSignIn.used_at.is_(None), DonorSignIn.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.scalars(select(DonorSignIn).where(DonorSignIn.token_hash == token_hash)).one()


def session_is_live(session: Session, sign_in_id: object, email: str) -> bool:
    """Whether the portal session opened by this sign-in, for this email, has not been ended."""
    if not isinstance(sign_in_id, int):
        return False
    opened = session.get(DonorSignIn, sign_in_id)
    return (
        opened is not None and opened.email == email and opened.used_at is not None and opened.session_ended_at is None
    )


def end_sessions(session: Session, email: str, now: dt.datetime) -> None:
    """End every portal session of this email, on every browser (the caller commits)."""
    session.execute(
        update(DonorSignIn)
        .where(
            DonorSignIn.email == normalise_email(email),
            DonorSignIn.used_at.is_not(None),
            DonorSignIn.session_ended_at.is_(None),
        )
        .values(session_ended_at=now)
        .execution_options(synchronize_session=False)
    )


@secret_args
def send_sign_in_email(email: str, token: str) -> None:
    """The donor portal's single-use sign-in link, in the donor's language."""
    donor = donor_for_email(db.session, email)
    if donor is None:
        return
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/my/sign-in/{token}"
    with force_locale(donor.locale or "fr"):
        subject = _("Your sign-in link to your donor area")
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        mail = message(email, subject, "sign_in", donor=donor, link=link, minutes=minutes)
    deliver(mail)
