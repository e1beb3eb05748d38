"""Campaigns: an appeal's page, its progress, and the domain functions staff and the CLI use.

Functions take the session (and the day, where dates matter); they add and
flush, and the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from donations.models import DEFAULT_CAMPAIGN_SLUG, Campaign, Donation, Payment, PaymentStatus
from donations.presets import parse_presets

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
# What a campaign's text may hold once rendered: prose, lists, links, emphasis, quotes, headings.
ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "code", "pre", "hr"}
# Markdown's html is off: a text typed in the back office never carries a script or a style.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class CampaignError(ValueError):
    """A campaign that cannot be saved as asked; the message says why (in English, for the CLI)."""


def campaign_html(markdown: str) -> str:
    """The campaign's Markdown as HTML safe to show: rendered without raw HTML, then sanitised
    (only ALLOWED_TAGS; links http(s) or mailto, opened with rel="noopener noreferrer")."""
    rendered = _MARKDOWN.render(markdown or "")
    # Headings start at h2: the page's title is its h1.
    rendered = re.sub(r"<(/?)h1>", r"<\1h2>", rendered)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug):
        raise CampaignError("a slug has 1 to 60 lowercase letters, digits and hyphens, such as appel-2026")
    return slug


def check_image_url(url: str | None) -> str | None:
    """An image of the site itself (the page's policy loads no other): a path such as /static/img/appel.jpg."""
    url = (url or "").strip()
    if not url:
        return None
    if not url.startswith("/") or url.startswith("//") or any(c in url for c in "\"'<> \\"):
        raise CampaignError("the image must be a path on this site, such as /static/img/appeal.jpg")
    return url


def check_presets(text: str | None) -> str:
    text = (text or "").strip()
    try:
        amounts = parse_presets(text)
    except ValueError as exc:
        raise CampaignError(f"preset amounts are euros separated by commas, such as 30,50,100: {exc}") from exc
    if text and not amounts:
        raise CampaignError("preset amounts are euros separated by commas, such as 30,50,100")
    return ",".join(str(c // 100) if c % 100 == 0 else f"{c // 100}.{c % 100:02d}" for c in amounts)


@dataclass(frozen=True)
class CampaignDetails:
    """What staff (or the CLI) give for a campaign; checked by `save_campaign`."""

    title: str
    goal_cents: int
    text_markdown: str = ""
    image_url: str | None = None
    image_alt: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    preset_amounts: str = ""


def find_campaign(session: Session, slug: str | None) -> Campaign | None:
    """The campaign of this slug, if any (the default one always: it is made again if missing)."""
    if not slug:
        return None
    slug = slug.strip().lower()
    found = _by_slug(session, slug)
    if found is None and slug == DEFAULT_CAMPAIGN_SLUG:
        return default_campaign(session)
    return found


def _by_slug(session: Session, slug: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.slug == slug)).first()


DEFAULT_CAMPAIGN_GOAL_CENTS = 10_000_000


def default_campaign(session: Session) -> Campaign:
    """The landing page's campaign (the dystonia article): made by the migrations, and made again
    here should it be missing (a database emptied by hand), so gifts always have their campaign."""
    campaign = _by_slug(session, DEFAULT_CAMPAIGN_SLUG)
    if campaign is not None:
        return campaign
    try:
        with session.begin_nested():  # another request may make it at the same moment
            campaign = Campaign(
                slug=DEFAULT_CAMPAIGN_SLUG,
                title="Dystonie",
                goal_cents=DEFAULT_CAMPAIGN_GOAL_CENTS,
                text_markdown="",
                preset_amounts="",
            )
            session.add(campaign)
    except IntegrityError:
        campaign = _by_slug(session, DEFAULT_CAMPAIGN_SLUG)
        assert campaign is not None
    return campaign


def save_campaign(
    session: Session, details: CampaignDetails, *, slug: str | None = None, campaign: Campaign | None = None
) -> Campaign:
    """Create the campaign `slug`, or change `campaign`; CampaignError when a value cannot be kept."""
    title = (details.title or "").strip()
    if not title or len(title) > 200:
        raise CampaignError("a title has 1 to 200 characters")
    if details.goal_cents <= 0:
        raise CampaignError("the goal must be a positive sum in euros")
    if details.starts_on and details.ends_on and details.ends_on < details.starts_on:
        raise CampaignError("the end date comes before the start date")
    if campaign is None:
        slug = check_slug(slug or "")
        if find_campaign(session, slug) is not None:
            raise CampaignError(f"a campaign {slug} exists already")
        campaign = Campaign(slug=slug)
        session.add(campaign)
    campaign.title = title
    campaign.goal_cents = details.goal_cents
    campaign.text_markdown = details.text_markdown or ""
    campaign.image_url = check_image_url(details.image_url)
    campaign.image_alt = (details.image_alt or "").strip()[:300] or None
    campaign.starts_on, campaign.ends_on = details.starts_on, details.ends_on
    campaign.preset_amounts = check_presets(details.preset_amounts)
    session.flush()
    return campaign


@dataclass(frozen=True)
class Progress:
    """What a campaign has raised: kept sums of settled payments, and how many donors gave them."""

    raised_cents: int
    donors: int
    gifts: int
    goal_cents: int

    @property
    def percent(self) -> int:
        """Share of the goal raised, 0 to 100 (the bar stops full when the goal is passed)."""
        return min(100, self.raised_cents * 100 // self.goal_cents) if self.goal_cents else 0


def progress_of(session: Session, campaign: Campaign) -> Progress:
    """Raised (refunds deducted), donors and gifts of a campaign, from settled payments only."""
    row = session.execute(
        select(
            func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0),
            func.count(distinct(Donation.donor_id)),
            func.count(distinct(Donation.id)),
        )
        .join(Payment.donation)
        .where(Donation.campaign_id == campaign.id, Payment.status == PaymentStatus.SUCCEEDED)
    ).one()
    return Progress(raised_cents=int(row[0]), donors=int(row[1]), gifts=int(row[2]), goal_cents=campaign.goal_cents)


def campaign_presets(campaign: Campaign, site_presets: list[int]) -> list[int]:
    """The campaign's one-off presets, or the site's."""
    return parse_presets(campaign.preset_amounts) if campaign.preset_amounts else site_presets


def all_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())))
