"""A live gift's checkout seen from the test: its session id, its donation, paying it at the sandbox."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from donations.extensions import db
from donations.models import Donation
from tests.support.giving import CARD_OK
from tests.support.live_service import Live

NBSP = re.compile(r"[\u00a0\u202f]")


def session_id(checkout_url: str) -> str:
    return checkout_url.rstrip("/").rsplit("/", 1)[-1]


def donation_of(live: Live, checkout_url: str) -> Donation:
    with live.app.app_context():
        donation = db.session.scalars(
            select(Donation).where(Donation.stripe_checkout_session_id == session_id(checkout_url))
        ).one()
        db.session.expunge_all()
        return donation


def page_text(page: str) -> str:
    return NBSP.sub(" ", html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))))


def pay_checkout(live: Live, checkout_url: str) -> None:
    live.control(f"checkout/{session_id(checkout_url)}/pay", card=CARD_OK)
    live.settle_webhooks()


def donations_count(live: Live) -> int:
    with live.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Donation)) or 0
