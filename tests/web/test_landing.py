"""The landing page: the article and the widget, in French and English."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from flask.testing import FlaskClient

NBSP, NNBSP = "\u00a0", "\u202f"


def net_cost_text(html: str) -> str:
    match = re.search(r'id="net-cost-text">(.*?)</span>', html, re.S)
    assert match, "the page has no net-cost line"
    # Collapse the template's own line breaks, keeping the no-break spaces it prints.
    return html_lib.unescape(re.sub(r"[ \t\r\n]+", " ", match.group(1)).strip())


def test_landing_page_is_french_by_default_with_article_sections(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    for heading in ("La dystonie", "Causes et mécanismes biologiques", "Symptômes et diagnostic", "Traitements"):
        assert heading in html
    assert 'datetime="2025-03-25"' in html


def test_widget_shows_net_cost_of_default_gift_in_french(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert net_cost_text(html) == f"soit 34,00{NBSP}€ après réduction d'impôt de 66{NBSP}%"
    assert "Si vous êtes imposable, dans la limite de 20" in html


def test_widget_is_a_plain_get_form_to_the_donation_form(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form class="widget" id="donation-widget" method="get" action="/donate"', html)
    for kind in ("one_off", "monthly", "ifi"):
        assert f'id="kind-{kind}" value="{kind}"' in html
    assert 'name="other_amount"' in html
    assert 'for="other-amount"' in html  # the free amount is labelled


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=one_off&amount=50", f"soit 17,00{NBSP}€ après réduction d'impôt de 66{NBSP}%"),
        ("kind=one_off&amount=30", f"soit 10,20{NBSP}€ après réduction d'impôt de 66{NBSP}%"),
        (
            "kind=monthly&amount=15",
            f"soit 5,10{NBSP}€ par mois après réduction d'impôt de 66{NBSP}% (61,20{NBSP}€ par an)",
        ),
        ("kind=ifi&amount=1000", f"soit 250,00{NBSP}€ après réduction d'IFI de 75{NBSP}%"),
        (
            "kind=ifi&amount=80000",
            f"soit 30{NNBSP}000,00{NBSP}€ : la réduction d'IFI est plafonnée à 50{NNBSP}000,00{NBSP}€ par an",
        ),
    ],
)
def test_widget_prefilled_from_query_reproduces_tax_rules_examples(
    client: FlaskClient, query: str, expected: str
) -> None:
    html = client.get(f"/?{query}").get_data(as_text=True)
    assert net_cost_text(html) == expected


def test_english_is_chosen_with_lang_and_remembered(client: FlaskClient) -> None:
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Causes and biological mechanisms" in html
    assert net_cost_text(html) == f"or 34,00{NBSP}€ after the 66% tax reduction"
    again = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in again
    back = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in back


def test_browser_language_is_followed_when_nothing_was_chosen(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    html = client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_english_monthly_widget_keeps_french_number_format(client: FlaskClient) -> None:
    html = client.get("/?lang=en&kind=monthly&amount=15").get_data(as_text=True)
    assert net_cost_text(html) == f"or 5,10{NBSP}€ a month after the 66% tax reduction (61,20{NBSP}€ a year)"


def test_unknown_kind_or_bad_amount_in_query_falls_back_to_defaults(client: FlaskClient) -> None:
    response = client.get("/?kind=gold&amount=abc")
    assert response.status_code == 200
    assert net_cost_text(response.get_data(as_text=True)).startswith(f"soit 34,00{NBSP}€")


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_answers_404_with_a_message(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Cette page n'existe pas." in html_lib.unescape(response.get_data(as_text=True))


def test_widget_other_amount_prefills_the_donation_form(client: FlaskClient) -> None:
    response = client.get("/donate?kind=monthly&amount=other&other_amount=75")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="amount"[^>]*value="75"', html)
    assert re.search(r'<input checked[^>]*name="kind"[^>]*value="monthly"', html)


def test_plain_visits_get_the_page_rendered_once_per_language(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    french = client.get("/")
    assert "Accept-Language" in french.headers["Vary"]  # a shared cache must not mix the languages
    assert client.get("/?lang=fr").data == french.data
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert client.get("/?lang=fr").data == french.data
    assert sorted(language for language, _ifi_year in app.extensions["landing_pages"]) == ["en", "fr"]
    # A visit with a query, or with a message to show, is rendered for itself.
    assert net_cost_text(client.get("/?amount=200").get_data(as_text=True)).startswith("soit 68,00")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Votre lien de connexion a expiré.")]
    assert "Votre lien de connexion a expiré." in client.get("/").get_data(as_text=True)
    assert client.get("/").data == french.data
