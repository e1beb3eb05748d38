"""Campaigns: created from the command line, their page /c/<slug> before and after a gift, the
closed message, the visit's source kept on the gift, and the dystonia article as the default."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import Campaign
from tests.support.checkouts import donation_of, donations_count
from tests.support.checkouts import page_text as text_of
from tests.support.checkouts import pay_checkout as pay
from tests.support.donors import INDIVIDUAL
from tests.support.live_service import Live
from tests.support.pages import form_fields

TEXT = """# Pourquoi cet appel

Les **chercheuses** de l'équipe étudient la *dystonie*. [En savoir plus](https://example.org/recherche).

<script>alert("x")</script>

[piège](javascript:alert(1))
"""


def create(live: Live, tmp_path: Path, slug: str = "appel-2026", *extra: str) -> object:
    text = tmp_path / "texte.md"
    text.write_text(TEXT, encoding="utf-8")
    runner = live.app.test_cli_runner()
    return runner.invoke(
        args=[
            "campaigns",
            "create",
            slug,
            "--title",
            "Appel de printemps",
            "--goal",
            "10000",
            "--text-file",
            str(text),
            "--presets",
            "25,75,150",
            *extra,
        ]
    )


def test_a_campaign_made_by_the_command_shows_its_text_sanitised_its_amounts_and_its_progress(
    live: Live, tmp_path: Path
) -> None:
    result = create(live, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Campaign created: /c/appel-2026" in result.output

    page = live.get("/c/appel-2026")
    assert page.status_code == 200
    assert (
        "<strong>chercheuses</strong>" in page.text
        and '<a href="https://example.org/recherche" rel="noopener noreferrer">' in page.text
    )
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert 'href="javascript:' not in page.text
    text = text_of(page.text)
    assert "0,00 € collectés sur un objectif de 10 000,00 €, grâce à 0 donateur" in text
    assert '<progress max="1000000" value="0"' in page.text
    for amount in ("25,00 €", "75,00 €", "150,00 €"):
        assert amount in text
    assert '<input type="hidden" name="campaign" value="appel-2026">' in page.text


def test_a_gift_through_the_campaign_carries_it_and_the_visits_source_and_the_bar_moves(
    live: Live, tmp_path: Path
) -> None:
    assert create(live, tmp_path).exit_code == 0
    page = live.get("/c/appel-2026?utm_source=newsletter&utm_medium=email&utm_campaign=printemps")
    assert '<input type="hidden" name="utm_source" value="newsletter">' in page.text
    # The widget is a GET form to /donate: what it carries arrives in the form's hidden fields.
    form = live.get(
        "/donate?kind=one_off&amount=75&campaign=appel-2026&utm_source=newsletter&utm_medium=email&utm_campaign=printemps"
    )
    fields = form_fields(form.text)
    assert (fields["campaign"], fields["utm_source"], fields["utm_medium"], fields["utm_campaign"]) == (
        "appel-2026",
        "newsletter",
        "email",
        "printemps",
    )
    answer = live.post("/donate", data={**fields, "kind": "one_off", "amount": "75", **INDIVIDUAL})
    assert answer.status_code == 303
    pay(live, answer.headers["Location"])

    donation = donation_of(live, answer.headers["Location"])
    with live.app.app_context():
        campaign = db.session.get(Campaign, donation.campaign_id)
        assert campaign is not None and campaign.slug == "appel-2026"
    assert (donation.utm_source, donation.utm_medium, donation.utm_campaign) == ("newsletter", "email", "printemps")
    after = live.get("/c/appel-2026")
    assert "75,00 € collectés sur un objectif de 10 000,00 €, grâce à 1 donateur" in text_of(after.text)
    assert '<progress max="1000000" value="7500"' in after.text


def test_unknown_campaigns_are_not_found(live: Live) -> None:
    for path in ("/c/inconnue", "/c/UPPER", "/c/a..b", "/c/" + "x" * 80):
        assert live.get(path).status_code == 404, path


def test_after_its_end_date_the_page_says_it_is_closed_and_the_form_refuses_it(live: Live, tmp_path: Path) -> None:
    yesterday = paris_date(utcnow()) - dt.timedelta(days=1)
    assert (
        create(
            live,
            tmp_path,
            "appel-clos",
            "--starts",
            (yesterday - dt.timedelta(days=30)).isoformat(),
            "--ends",
            yesterday.isoformat(),
        ).exit_code
        == 0
    )
    page = live.get("/c/appel-clos")
    assert page.status_code == 200
    assert "Cette campagne est terminée" in page.text
    assert 'id="donation-widget"' not in page.text

    form = live.get("/donate?kind=one_off&amount=50&campaign=appel-clos")
    answer = live.post("/donate", data={**form_fields(form.text), "kind": "one_off", "amount": "50", **INDIVIDUAL})
    assert answer.status_code == 400
    assert "Cette campagne est terminée. Envoyez à nouveau le formulaire" in html.unescape(answer.text)
    assert donations_count(live) == 0
    # Sent again as the message says, the gift goes to the foundation's research (the default campaign).
    again = live.post("/donate", data={**form_fields(answer.text), "kind": "one_off", "amount": "50", **INDIVIDUAL})
    assert again.status_code == 303


def test_a_campaign_not_yet_open_says_when_it_opens(live: Live, tmp_path: Path) -> None:
    tomorrow = paris_date(utcnow()) + dt.timedelta(days=1)
    assert create(live, tmp_path, "appel-futur", "--starts", tomorrow.isoformat()).exit_code == 0
    page = live.get("/c/appel-futur")
    assert "Cette campagne n’est pas encore ouverte" in html.unescape(page.text)
    assert 'id="donation-widget"' not in page.text


def test_the_dystonia_article_is_the_default_campaign(live: Live, give: Callable[..., requests.Response]) -> None:
    moved = live.get("/c/dystonie", allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/")
    landing = live.get("/")
    assert "dystonie" in landing.text.lower() and 'name="campaign"' not in landing.text
    checkout = give(kind="one_off", amount="30").headers["Location"]
    donation = donation_of(live, checkout)
    with live.app.app_context():
        assert db.session.get(Campaign, donation.campaign_id).slug == "dystonie"  # type: ignore[union-attr]


def test_the_command_refuses_bad_campaigns_saying_why(live: Live, tmp_path: Path) -> None:
    runner = live.app.test_cli_runner()
    assert create(live, tmp_path).exit_code == 0
    cases = [
        (["appel-2026", "--title", "Encore", "--goal", "10"], "exists already"),
        (["Appel 2026", "--title", "T", "--goal", "10"], "lowercase letters"),
        (["appel-x", "--title", "T", "--goal", "-5"], "--goal"),
        (["appel-y", "--title", "T", "--goal", "10", "--ends", "2026-13-01"], "--ends"),
        (
            ["appel-z", "--title", "T", "--goal", "10", "--starts", "2026-06-01", "--ends", "2026-05-01"],
            "before the start",
        ),
        (["appel-w", "--title", "T", "--goal", "10", "--image", "https://ailleurs.example/i.jpg"], "path on this site"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["campaigns", "create", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    with live.app.app_context():
        assert db.session.scalars(select(Campaign.slug).where(Campaign.slug != "dystonie")).all() == ["appel-2026"]


def test_the_default_campaign_is_made_again_when_missing_and_a_gift_naming_it_is_not_refused(make_app) -> None:  # type: ignore[no-untyped-def]
    from donations.models import Campaign

    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.session.execute(sa.delete(Campaign))
        db.session.commit()
    answer = app.test_client().post("/donate?lang=en", data={"campaign": "dystonie", "kind": "one_off", "amount": ""})
    assert answer.status_code == 400  # the amount is missing …
    assert "This campaign does not exist" not in answer.text  # … but the default campaign is found again
