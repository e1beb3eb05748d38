"""The back office of the giving extras: campaigns made and changed by staff and reported with
their sources, tribute gifts totalled per person named, and a donation's fees, tribute and campaign."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.extensions import db
from donations.giving.campaigns import default_campaign, find_campaign
from donations.models import AuditEntry, Campaign, PaymentMethod, PaymentStatus, TributeKind
from tests.support.factories import settled_payment
from tests.support.pages import csrf_token


def plain(page: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))))


def gift(
    app: Flask, amount_cents: int, *, refunded: int = 0, status: PaymentStatus = PaymentStatus.SUCCEEDED, **fields: Any
) -> str:
    """A paid gift (or one whose payment has the given status) with the donation fields given; its public id."""
    with app.app_context():
        payment = settled_payment(db.session, amount_cents)
        payment.status, payment.refunded_cents = status, refunded
        campaign = fields.pop("campaign", None)
        if campaign:
            found = default_campaign(db.session) if campaign == "dystonie" else find_campaign(db.session, campaign)
            payment.donation.campaign_id = found.id
        for name, value in fields.items():
            setattr(payment.donation, name, value)
        db.session.commit()
        return payment.donation.public_id


def campaign_form(client: FlaskClient, path: str, **fields: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200
    data = {
        "title": "Appel",
        "goal": "5000",
        "text_markdown": "",
        "image_url": "",
        "image_alt": "",
        "starts_on": "",
        "ends_on": "",
        "preset_amounts": "",
        **fields,
    }
    return client.post(path, data={"csrf_token": csrf_token(page.text), **data})


def test_staff_create_and_edit_a_campaign_and_it_is_audited(app: Flask, finance: FlaskClient) -> None:
    answer = campaign_form(
        finance,
        "/finance/campaigns/new",
        slug="appel-noel",
        title="Appel de Noël",
        goal="20 000",
        text_markdown="**Merci**",
        ends_on="2026-12-31",
        preset_amounts="20,40",
    )
    assert answer.status_code == 303, answer.text
    assert finance.get("/c/appel-noel").status_code == 200
    edited = campaign_form(finance, "/finance/campaigns/appel-noel/edit", title="Appel de Noël 2026", goal="25000,50")
    assert edited.status_code == 303, edited.text
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).where(Campaign.slug == "appel-noel")).one()
        assert (campaign.title, campaign.goal_cents, campaign.ends_on) == ("Appel de Noël 2026", 2_500_050, None)
        actions = db.session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "campaign.save")).all()
        assert actions == ["appel-noel", "appel-noel"]
    assert "Appel de Noël 2026" in plain(finance.get("/finance/campaigns").text)


def test_bad_campaign_fields_come_back_with_their_message(finance: FlaskClient) -> None:
    cases = {
        "Des minuscules, des chiffres et des tirets": {"slug": "Appel Noël"},
        "Le dernier jour précède le premier.": {"slug": "a1", "starts_on": "2026-12-01", "ends_on": "2026-11-01"},
        "Un chemin sur ce site": {"slug": "a2", "image_url": "https://ailleurs.example/x.jpg"},
        "Des montants en euros séparés par des virgules": {"slug": "a3", "preset_amounts": "vingt"},
        "Une campagne existe déjà à cette adresse.": {"slug": "appel-existant"},
        "Veuillez saisir un titre.": {"slug": "a4", "title": ""},
    }
    assert campaign_form(finance, "/finance/campaigns/new", slug="appel-existant").status_code == 303
    for message, fields in cases.items():
        answer = campaign_form(finance, "/finance/campaigns/new", **fields)
        assert answer.status_code == 400, fields
        assert message in html.unescape(answer.text), fields
    assert finance.get("/finance/campaigns/inconnue/edit").status_code == 404


def test_the_campaign_report_counts_settled_money_per_campaign_and_source(app: Flask, finance: FlaskClient) -> None:
    campaign_form(finance, "/finance/campaigns/new", slug="appel-noel", title="Appel de Noël", goal="1000")
    gift(
        app,
        10_000,
        campaign="appel-noel",
        utm_source="newsletter",
        utm_medium="email",
        fees_covered_cents=178,
        fees_method=PaymentMethod.CARD,
    )
    gift(app, 5_000, refunded=2_000, campaign="appel-noel", utm_source="newsletter", utm_medium="email")
    gift(app, 7_000, campaign="appel-noel")
    gift(app, 9_900, status=PaymentStatus.PROCESSING, campaign="appel-noel")  # not received yet
    gift(app, 3_000, campaign="dystonie")
    page = finance.get("/finance/campaigns")
    assert page.status_code == 200
    slug_row = re.search(r'<tr id="campaign-appel-noel">(.*?)</tr>', page.text, re.S)
    assert slug_row
    row = plain(slug_row.group(1))
    assert "200,00 € (20 %) 1 000,00 € 3 3" in row  # 100 + 30 (refund deducted) + 70 raised, 3 donors, 3 gifts
    assert "1,78 €" in row  # the fees donors covered
    assert "newsletter / email — 130,00 € (2)" in row and "direct — 70,00 € (1)" in row
    dystonia = plain(re.search(r'<tr id="campaign-dystonie">(.*?)</tr>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert "30,00 €" in dystonia


def test_tribute_gifts_are_totalled_per_person_named_and_amounts_shown_only_when_the_donor_chose(
    app: Flask, finance: FlaskClient
) -> None:
    gift(app, 5_000, tribute_kind=TributeKind.IN_MEMORY_OF, tribute_name="Jeanne Dupont")
    gift(app, 7_000, tribute_kind=TributeKind.IN_MEMORY_OF, tribute_name="jeanne  dupont", tribute_show_amount=True)
    gift(app, 4_000, tribute_kind=TributeKind.IN_HONOUR_OF, tribute_name="Paul")
    gift(
        app, 9_000, status=PaymentStatus.PROCESSING, tribute_kind=TributeKind.IN_MEMORY_OF, tribute_name="Jeanne Dupont"
    )
    page = plain(finance.get("/finance/tributes").text)
    assert "En mémoire de Jeanne Dupont 2 dons, 120,00 € au total" in page
    assert "En l’honneur de Paul 1 don, 40,00 € au total" in page
    assert "70,00 €" in page  # shown by its donor's choice
    assert "50,00 €" not in page and page.count("non indiqué") == 2


def test_a_donations_page_shows_its_fees_tribute_and_campaign(app: Flask, finance: FlaskClient) -> None:
    public_id = gift(
        app,
        5_102,
        fees_covered_cents=102,
        fees_method=PaymentMethod.CARD,
        tribute_kind=TributeKind.IN_HONOUR_OF,
        tribute_name="Paul Martin",
        tribute_notify_email="paul@example.org",
        campaign="dystonie",
        utm_source="affiche",
    )
    page = plain(finance.get(f"/finance/donations/{public_id}").text)
    assert (
        "Frais pris en charge par le donateur 1,02 € sur les 51,02 € payés (estimation pour : Carte bancaire) ; le reçu porte 51,02 €."
        in page
    )
    assert "En l’honneur de Paul Martin · avis à paul@example.org (pas encore envoyé)" in page
    assert "Dystonie ( dystonie ) · origine : affiche" in page
