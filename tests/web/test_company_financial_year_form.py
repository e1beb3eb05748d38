"""The donate form asks a company for its financial-year end (its recaps cover one financial year):
a day and month, kept on a new company's record; anything else answers a 400 that says what is expected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donor
from tests.support.donors import COMPANY
from tests.support.pages import text_of


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(WTF_CSRF_ENABLED=False)


def _give(app: Flask, language: str = "en", **values: str):  # type: ignore[no-untyped-def]
    data = {**COMPANY, "kind": "monthly", "amount": "50", **values}
    return app.test_client().post("/donate", data=data, headers={"Accept-Language": language})


def test_the_company_fields_ask_for_the_financial_year_end_in_french_and_english(app: Flask) -> None:
    client = app.test_client()
    english = client.get("/donate", headers={"Accept-Language": "en"}).text
    french = client.get("/donate", headers={"Accept-Language": "fr"}).text
    assert "Financial year ends on (day/month)" in english and 'value="31/12"' in english
    assert "Date de clôture de l'exercice (jour/mois)" in text_of(french)
    assert "un reçu annuel couvre un seul exercice" in text_of(french)


@pytest.mark.parametrize(
    ("typed", "stored"), [("30/06", "06-30"), ("31/12", "12-31"), (" 1/4 ", "04-01"), (None, "12-31")]
)
def test_a_new_companys_financial_year_end_is_kept_on_its_record(app: Flask, typed: str | None, stored: str) -> None:
    values = {} if typed is None else {"financial_year_end": typed}  # None: a page from before the field
    answer = _give(app, **values)
    # 503: the form is valid, but the test's Stripe address is closed on purpose (the gift waits for payment).
    assert answer.status_code in (303, 503), answer.text
    with app.app_context():
        assert db.session.scalars(select(Donor.financial_year_end)).all() == [stored]


@pytest.mark.parametrize(
    ("typed", "language", "message"),
    [
        ("", "en", "Please enter the day and month the company's financial year ends, such as 31/12."),
        ("31/02", "en", "That day does not exist: please enter a real day and month, such as 30/06."),
        ("29/02", "fr", "pour un exercice clos le dernier jour de février, indiquez 28/02"),
        ("30/13", "fr", "Ce jour n'existe pas"),
        ("juin", "en", "Please enter the day and month the financial year ends, such as 31/12 or 30/06."),
        ("30/06/2026", "fr", "Indiquez le jour et le mois de clôture de l'exercice, par exemple 31/12 ou 30/06."),
        ("\x00", "en", "cannot be used (such as control characters)"),
        ("é" * 5000, "en", "such as 31/12 or 30/06"),
    ],
)
def test_a_financial_year_end_that_is_no_day_answers_400_with_what_is_expected(
    app: Flask, typed: str, language: str, message: str
) -> None:
    answer = _give(app, language, financial_year_end=typed)
    assert answer.status_code == 400
    assert message in text_of(answer.text)
    with app.app_context():
        assert db.session.scalars(select(Donor)).all() == []


def test_an_individual_is_not_asked_and_keeps_the_calendar_year(app: Flask) -> None:
    answer = _give(app, donor_type="individual", financial_year_end="n'importe quoi")
    assert answer.status_code in (303, 503), answer.text
    with app.app_context():
        assert db.session.scalars(select(Donor.financial_year_end)).all() == ["12-31"]
