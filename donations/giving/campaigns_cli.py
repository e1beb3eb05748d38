"""`flask campaigns …`: create and list campaigns from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from donations.extensions import db
from donations.giving import campaigns
from donations.money import AmountError, format_euros, parse_euros

campaigns_cli = AppGroup("campaigns", help="Campaigns: their pages /c/<slug>, goals and dates.")


def _day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=name) from error


@campaigns_cli.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The page's title.")
@click.option("--goal", required=True, help="The goal in euros, such as 50000.")
@click.option(
    "--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The text, in Markdown (UTF-8)."
)
@click.option("--image", default="", help="An image on this site, such as /static/img/appeal.jpg.")
@click.option("--image-alt", default="", help="What the image shows, for those who cannot see it.")
@click.option("--starts", default="", help="First day, YYYY-MM-DD (Paris).")
@click.option("--ends", default="", help="Last day, YYYY-MM-DD (Paris); the page says it is closed after it.")
@click.option("--presets", default="", help="Its own one-off amounts in euros, such as 30,50,100.")
def create_command(
    slug: str,
    title: str,
    goal: str,
    text_file: Path | None,
    image: str,
    image_alt: str,
    starts: str,
    ends: str,
    presets: str,
) -> None:
    """Create the campaign SLUG; its page is /c/SLUG."""
    try:
        goal_cents = parse_euros(goal)
    except AmountError as error:
        raise click.BadParameter(str(error), param_hint="--goal") from error
    details = campaigns.CampaignDetails(
        title=title,
        goal_cents=goal_cents,
        text_markdown=text_file.read_text(encoding="utf-8") if text_file else "",
        image_url=image,
        image_alt=image_alt,
        starts_on=_day(starts, "--starts"),
        ends_on=_day(ends, "--ends"),
        preset_amounts=presets,
    )
    try:
        campaign = campaigns.save_campaign(db.session, details, slug=slug)
    except campaigns.CampaignError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Campaign created: /c/{campaign.slug} ({campaign.title}, goal {format_euros(campaign.goal_cents)}).")


@campaigns_cli.command("list")
def list_command() -> None:
    """Each campaign with what it has raised."""
    for campaign in campaigns.all_campaigns(db.session):
        progress = campaigns.progress_of(db.session, campaign)
        click.echo(
            f"{campaign.slug}\t{campaign.title}\t{format_euros(progress.raised_cents)} / {format_euros(campaign.goal_cents)}"
            f"\t{progress.donors} donors"
        )
