"""With the database away, pages say so truthfully, and the donation form comes back as typed.

The outage is real: the app's database file sits in a directory that is
removed after start-up (SQLite cannot open it), or its address is a
PostgreSQL port where nothing listens (the connection is refused).
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from donations.extensions import db
from donations.models import Donation
from tests.support.donors import INDIVIDUAL
from tests.support.pages import form_fields

GIFT = {"kind": "one_off", "amount": "75", **INDIVIDUAL, "first_name": "Anne-Sophie", "city": "Saint-Étienne"}
REFUSED_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:9/donations?connect_timeout=2"


@pytest.fixture
def outage(make_app: Callable[..., Flask], migrated_database: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """(app, restore): the app on a database that stops answering once `cut()` is called."""
    kind = request.param
    if kind == "sqlite file gone":
        folder = tmp_path / "database"
        folder.mkdir()
        template = migrated_database if not migrated_database.startswith("postgresql") else None
        if template is None:
            pytest.skip("the SQLite outage needs the SQLite template (TEST_DATABASE_URL is set)")
        shutil.copyfile(template, folder / "donations.sqlite")
        app = make_app(DATABASE_URL=f"sqlite:///{folder / 'donations.sqlite'}")
        saved = tmp_path / "saved.sqlite"

        def cut() -> None:
            with app.app_context():
                db.engine.dispose()  # no pooled connection survives: the next request must open the file
            shutil.move(str(folder / "donations.sqlite"), saved)
            shutil.rmtree(folder)

        def restore() -> None:
            folder.mkdir()
            shutil.move(str(saved), folder / "donations.sqlite")

        return app, cut, restore
    app = make_app(DATABASE_URL=REFUSED_POSTGRES)
    return app, (lambda: None), None


BOTH = pytest.mark.parametrize("outage", ["sqlite file gone", "postgresql refused"], indirect=True)


def post_form_during_outage(outage, page_path: str, typed: dict[str, str]) -> tuple[str, TestResponse]:  # type: ignore[no-untyped-def]
    """Open the form's page while the database answers, then send it once it no longer does: (page, answer)."""
    app, cut, _restore = outage
    client = app.test_client()
    page = client.get(page_path)
    cut()
    return page.text, client.post(page_path.split("?")[0], data={**form_fields(page.text), **typed})


@BOTH
def test_donation_form_sent_during_an_outage_comes_back_as_typed_with_503(outage) -> None:  # type: ignore[no-untyped-def]
    page, response = post_form_during_outage(outage, "/donate?lang=en", GIFT)
    assert response.status_code == 503
    text = html.unescape(response.text)
    assert "could not be recorded just now" in text
    assert "Nothing you sent was lost" not in text and "Rien de ce que vous avez envoyé" not in text
    for value in (
        "Anne-Sophie",
        "Martin",
        "camille.martin@example.org",
        "12 rue des Lilas",
        "75013",
        "Saint-Étienne",
        "75",
    ):
        assert f'value="{value}"' in text, value
    # The same one-time token: sending it again once the database is back makes one donation, not two.
    assert form_fields(response.text)["submission_token"] == form_fields(page)["submission_token"]


@pytest.mark.parametrize("outage", ["sqlite file gone"], indirect=True)
def test_the_kept_form_sent_again_once_the_database_is_back_records_the_gift(outage) -> None:  # type: ignore[no-untyped-def]
    app, cut, restore = outage
    client = app.test_client()
    cut()
    kept = client.post("/donate", data={**form_fields(client.get("/donate?lang=en").text), **GIFT})
    assert kept.status_code == 503
    restore()
    again = client.post("/donate", data={**form_fields(kept.text), **GIFT})
    # Stripe is closed in the tests: the gift is recorded, then the payment service is said to be away.
    assert again.status_code == 503 and "payment service cannot be reached" in html.unescape(again.text)
    with app.app_context():
        donations = db.session.scalars(sa.select(Donation)).all()
        assert [(d.amount_cents, d.donor.first_name) for d in donations] == [(7500, "Anne-Sophie")]


@BOTH
@pytest.mark.parametrize(
    "path", ["/receipts/verify/2026-00001?c=abc", "/donate/thanks/00000000-0000-0000-0000-000000000000"]
)
def test_pages_during_an_outage_answer_503_without_claiming_nothing_was_lost(outage, path: str) -> None:  # type: ignore[no-untyped-def]
    app, cut, _restore = outage
    cut()
    response = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    text = html.unescape(response.text)
    assert "could not be recorded" in text and "try again in a few minutes" in text
    assert "was lost" not in text


@BOTH
def test_a_staff_sign_in_during_an_outage_answers_503_in_french_too(outage) -> None:  # type: ignore[no-untyped-def]
    _page, response = post_form_during_outage(
        outage, "/finance/login?lang=fr", {"email": "compta@fondation.example", "password": "x"}
    )
    assert response.status_code == 503
    assert "n'a pas pu être enregistré" in html.unescape(response.text)
