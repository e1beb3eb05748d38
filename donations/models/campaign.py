"""An appeal with its own page, goal and preset amounts; gifts carry the campaign they answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime

# The landing page's article on dystonia: the campaign of every gift that names no other.
DEFAULT_CAMPAIGN_SLUG = "dystonie"


class Campaign(Base):
    """A campaign: its page at /c/<slug>, its text (Markdown, sanitised when shown), its goal and dates."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint("goal_cents > 0", name="goal_positive"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as staff typed it; rendered through donations.giving.campaigns.campaign_html only.
    text_markdown: Mapped[str] = mapped_column(Text, default="")
    # An image shown on the page: a path under the site (/static/...) or an https address.
    image_url: Mapped[str | None] = mapped_column(String(500))
    image_alt: Mapped[str | None] = mapped_column(String(300))
    goal_cents: Mapped[int]
    # Paris dates, both included; no end date: open until staff set one.
    starts_on: Mapped[dt.date | None] = mapped_column()
    ends_on: Mapped[dt.date | None] = mapped_column()
    # Its own one-off preset amounts, as DONATION_PRESETS is written ("30,50,100"); empty: the site's.
    preset_amounts: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def is_closed(self, today: dt.date) -> bool:
        """Whether the campaign's end date (Paris) has passed."""
        return self.ends_on is not None and today > self.ends_on

    def has_started(self, today: dt.date) -> bool:
        return self.starts_on is None or today >= self.starts_on
