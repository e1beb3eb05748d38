"""The public pages explain the law where it matters and lead to the widget: the net cost within
its ceiling, the IFI year and its deadline, the questions page, impact text, labels and logo,
the phone's give bar, countries in French order, and errors a person can read."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.support.pages import form_fields


def _flat(text: str) -> str:
    return re.sub(r"[\u00a0\u202f \t\r\n]+", " ", html_lib.unescape(text))


def _impacts(page: str) -> dict[str, str]:
    return json.loads(html_lib.unescape(re.search(r"data-impacts='([^']*)'", page).group(1)))


def _net_cost(page: str) -> str:
    return _flat(re.search(r'id="net-cost-text">(.*?)</span>', page, re.S).group(1)).strip()


def test_the_form_shows_the_reduction_within_the_taxable_income_ceiling(client: FlaskClient) -> None:
    page = client.get("/donate?kind=one_off&amount=1000").get_data(as_text=True)
    assert _net_cost(page) == "soit 340,00 € après réduction d'impôt de 66 %"
    assert 'name="taxable_income"' in page and 'name="turnover"' in page
    # Every figure the script needs: the API and each sentence, capped ones included.
    for attribute in (
        "data-api",
        "data-sentence-company",
        "data-sentence-company-monthly",
        "data-sentence-income_tax-capped",
        "data-rule-company",
    ):
        assert attribute in page
    answer = client.post(
        "/donate",
        data={
            **form_fields(page),
            "kind": "one_off",
            "amount": "1000",
            "donor_type": "individual",
            "taxable_income": "2000",
        },
    )
    assert answer.status_code == 400  # the donor's details are missing; the figure follows what they typed
    assert _net_cost(answer.get_data(as_text=True)) == (
        "soit 736,00 € : 400,00 € de ce don comptent cette année, dans la limite de 20 % de votre revenu imposable "
        "(le reste est reportable sur 5 ans)"
    )
    company = client.post(
        "/donate",
        data={
            **form_fields(page),
            "kind": "one_off",
            "amount": "100000",
            "donor_type": "company",
            "turnover": "1000000",
        },
    )
    assert _net_cost(company.get_data(as_text=True)).startswith(
        "soit 88 000,00 € : 20 000,00 € de ce don comptent cette année"
    )
    bad = client.post(
        "/donate", data={**form_fields(page), "kind": "one_off", "amount": "100", "taxable_income": "beaucoup"}
    )
    assert bad.status_code == 400 and "Veuillez saisir un montant en euros" in bad.get_data(as_text=True)


def test_the_api_error_reads_without_the_field_name_for_a_person(client: FlaskClient) -> None:
    body = client.get("/api/tax-reduction?amount=abc&scheme=income_tax").get_json()
    assert body["error"].startswith("amount: ") and body["field"] == "amount"
    assert (
        not body["message"].startswith("amount")
        and body["message"]
        == body["error"].removeprefix("amount: ").capitalize()[:1] + body["error"].removeprefix("amount: ")[1:]
    )
    capped = client.get("/api/tax-reduction?amount=1000&scheme=income_tax&taxable_income=2000").get_json()
    assert _flat(capped["counted_display"]) == "400,00 €"


def test_the_ifi_rule_names_the_year_and_its_deadline(client: FlaskClient) -> None:
    page = _flat(client.get("/donate?kind=ifi&amount=1000").get_data(as_text=True))
    assert re.search(
        r"Un don fait aujourd'hui compte pour votre IFI (\d{4}), à déclarer au plus tard le 12 juin \1\.", page
    )


def test_the_questions_page_answers_in_french_and_in_english(client: FlaskClient) -> None:
    french = _flat(client.get("/questions").get_data(as_text=True))
    for expected in (
        "Combien mon don me coûte-t-il vraiment ?",
        "34,00 €",
        "20 %",
        "cinq années suivantes",
        "50 000,00 €",
        "12 juin",
        "238 bis",
        "0,5 %",
        "en janvier",
        # The returns' boxes, from receipts/filing.py.
        "impôt sur le revenu : formulaire 2042, case 7UF ; IFI : formulaire 2042-IFI, case 9NC ; "
        "entreprises : formulaire 2069-RCI-SD",
    ):
        assert expected in french, expected
    english = _flat(client.get("/questions?lang=en").get_data(as_text=True))
    assert "How much does my gift really cost?" in english and "When do I get my tax receipt?" in english
    landing = client.get("/?lang=fr").get_data(as_text=True)
    assert 'href="/questions"' in landing


def test_the_landing_page_leads_to_the_widget_with_impact_labels_and_logo(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        DONATION_IMPACT_FR="30=finance une heure de microscope|50=paie un réactif",
        DONATION_IMPACT_EN="50=pays for a reagent",
        FOUNDATION_TRUST_LABELS="Don en Confiance|IDEAS",
        ARTICLE_RELATED_URL="https://fondation.example/actualites/equipe-dystonie",
    )
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert 'id="give-bar"' in page and 'href="#donation-widget"' in page
    assert "url_for" not in page and "Faire un don</a>" in page
    assert not re.search(r'<a class="button" href="/donate">', page), (
        "the article's button opens the widget, not a bare form"
    )
    assert 'rel="icon"' in page and 'class="site-logo"' in page
    for image in ("favicon.svg", "logo.svg"):
        with client.get(f"/static/img/{image}") as served:
            assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert "Don en Confiance" in page and "IDEAS" in page
    assert '<a href="https://fondation.example/actualites/equipe-dystonie">Actualité du' in page
    assert _impacts(page) == {"30": "finance une heure de microscope", "50": "paie un réactif"}
    assert _impacts(client.get("/?lang=en").get_data(as_text=True)) == {"50": "pays for a reagent"}
    assert client.get("/").status_code == 200  # the cached landing page still renders


def test_countries_follow_french_alphabetical_order(client: FlaskClient) -> None:
    page = client.get("/donate").get_data(as_text=True)
    names = [html_lib.unescape(n) for n in re.findall(r'<option(?: selected)? value="[A-Z]{2}">([^<]+)</option>', page)]
    assert names[0] == "France"
    rest = names[1:]
    assert rest.index("Danemark") < rest.index("Égypte") < rest.index("Espagne") < rest.index("Finlande")
    assert rest.index("Éthiopie") < rest.index("Fidji")


def test_impact_setting_is_checked_at_start_up(make_app: Callable[..., Flask]) -> None:
    import pytest

    from donations.config import ConfigError

    with pytest.raises(ConfigError, match="DONATION_IMPACT_FR"):
        make_app(DONATION_IMPACT_FR="trente=quelque chose")
