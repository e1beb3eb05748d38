"""The donor portal's sign-in links and sessions: no token in logs or Referer headers, answers that
tell nobody who gave, sessions that sign-out ends everywhere, pages no cache keeps, and an address
change that touches one donor record only.

The app is the real one on the real database, driven through its test client; donors are
created as rows, their sign-in links by the portal's own function.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donor, DonorSignIn, DonorType
from donations.platform.jobs import wait_for_inline_jobs
from tests.support.app_factory import copied_session
from tests.support.donor_portal import EMAIL, new_link, signed_in
from tests.support.factories import settled_payment
from tests.support.pages import form_fields
from tests.support.stalls import StalledServer


@pytest.fixture
def stalled() -> Iterator[StalledServer]:
    server = StalledServer()
    yield server
    server.close()


@pytest.fixture
def portal_app(make_app: Callable[..., Flask]) -> Flask:
    """The app with mail logged, not sent, and one donor who gave."""
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        settled_payment(db.session).donation.donor.email = EMAIL
        db.session.commit()
    return app


def test_the_sign_in_link_opens_a_button_page_that_spends_nothing_leaks_no_referer_and_posts_the_token_in_its_body(
    portal_app: Flask,
) -> None:
    link = new_link(portal_app)
    token = link.rsplit("/", 1)[-1]
    browser = portal_app.test_client()
    for _ in range(2):  # a mail scanner's prefetch, then the donor
        page = browser.get(link)
        assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert re.search(r'<form method="post" action="/my/sign-in">', html)
    assert form_fields(html)["token"] == token
    with portal_app.app_context():
        assert db.session.scalars(select(DonorSignIn.used_at)).one() is None  # the GETs spent nothing
    answer = browser.post("/my/sign-in", data=form_fields(html))
    assert answer.status_code == 303
    again = portal_app.test_client()
    fields = form_fields(again.get(link).get_data(as_text=True))
    assert again.post("/my/sign-in", data=fields).status_code == 410  # single use
    assert again.post(link, data=fields).status_code == 405  # no token in a posted address


def test_access_logs_never_show_a_sign_in_token(portal_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    import requests

    from tests.support.network import ServerThread, free_port

    link = new_link(portal_app)
    token = link.rsplit("/", 1)[-1]
    server = ServerThread(portal_app, free_port())
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert requests.get(server.url + link, timeout=10).status_code == 200
    finally:
        server.stop()
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/my/sign-in/[redacted]" in line for line in lines), lines
    assert not any(token in line for line in lines)


def test_asking_for_a_link_answers_alike_for_a_known_and_an_unknown_email_even_with_the_mail_relay_hung(
    make_app: Callable[..., Flask], stalled: StalledServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(stalled.port), MAIL_TIMEOUT="6")
    with app.app_context():
        settled_payment(db.session).donation.donor.email = EMAIL
        db.session.commit()
    browser = app.test_client()
    answers = {}
    for email in (EMAIL, "nobody@example.org"):
        page = browser.get("/my")
        started = time.monotonic()
        answer = browser.post("/my", data={**form_fields(page.get_data(as_text=True)), "email": email})
        answers[email] = (
            answer.status_code,
            time.monotonic() - started,
            re.sub(r"\s+", " ", answer.get_data(as_text=True)),
        )
    (known_status, known_took, known_text), (unknown_status, unknown_took, unknown_text) = answers.values()
    assert known_status == unknown_status == 200 and known_text == unknown_text
    assert known_took < 2 and unknown_took < 2, answers  # the link's email leaves after the answer
    with app.app_context():
        assert db.session.scalars(select(DonorSignIn.email)).all() == [EMAIL]  # the link was made all the same
    stalled.close()
    assert wait_for_inline_jobs(app, 30)
    # The link's email failed and was retried: the logs say so without its address or its token.
    failures = [r.getMessage() for r in caplog.records if r.name == "donations.platform.jobs"]
    assert failures and all("send_sign_in_email(…)" in line and EMAIL not in line for line in failures)


def test_a_copied_donor_cookie_stops_working_after_sign_out_elsewhere(portal_app: Flask) -> None:
    donor = signed_in(portal_app)
    thief = copied_session(portal_app, donor)
    other_device = signed_in(portal_app)
    assert thief.get("/my/gifts").status_code == 200
    page = donor.get("/my/gifts")
    assert donor.post("/my/sign-out", data=form_fields(page.get_data(as_text=True))).status_code == 303
    for browser in (donor, thief, other_device):
        answer = browser.get("/my/gifts")
        assert (answer.status_code, answer.headers["Location"]) == (302, "/my")


def test_an_erasure_ends_every_session_of_the_donor(portal_app: Flask) -> None:
    donor = signed_in(portal_app)
    other_device = signed_in(portal_app)
    page = donor.get("/my/erase")
    assert donor.post("/my/erase", data={**form_fields(page.get_data(as_text=True)), "confirm": "y"}).status_code == 200
    assert other_device.get("/my/gifts").status_code == 302


def test_portal_pages_and_receipt_downloads_are_kept_by_no_cache(portal_app: Flask) -> None:
    donor = signed_in(portal_app)
    for path in ("/my/gifts", "/my/address", "/my/data.json", "/my"):
        answer = donor.get(path)
        assert answer.headers["Cache-Control"] == "no-store", path


def _two_records_of_one_email(app: Flask) -> tuple[str, str]:
    """The donor gave as themselves and as their company: two records under one email."""
    with app.app_context():
        person = db.session.scalars(select(Donor).where(Donor.email == EMAIL)).one()
        company = Donor(
            donor_type=DonorType.COMPANY,
            first_name="Camille",
            last_name="Martin",
            email=EMAIL,
            company_name="ACME Industries",
            legal_form="SAS",
            siren="732829320",
            address_line1="1 zone industrielle",
            postal_code="33000",
            city="Bordeaux",
            country="FR",
        )
        db.session.add(company)
        db.session.commit()
        return person.public_id, company.public_id


def _addresses(app: Flask) -> dict[str, tuple[str, str, str]]:
    with app.app_context():
        return {d.public_id: (d.address_line1, d.postal_code, d.city) for d in db.session.scalars(select(Donor))}


def test_an_address_change_touches_only_the_donor_record_chosen(portal_app: Flask) -> None:
    person, company = _two_records_of_one_email(portal_app)
    donor = signed_in(portal_app)
    page = donor.get(f"/my/address?donor={person}").get_data(as_text=True)
    assert "ACME Industries (33000 Bordeaux)" in page and form_fields(page)["donor"] == person
    data = {
        **form_fields(page),
        "address_line1": "8 avenue Foch",
        "address_line2": "",
        "postal_code": "69006",
        "city": "Lyon",
        "country": "FR",
    }
    assert donor.post("/my/address", data=data).status_code == 303
    assert _addresses(portal_app) == {
        person: ("8 avenue Foch", "69006", "Lyon"),
        company: ("1 zone industrielle", "33000", "Bordeaux"),
    }


def test_an_address_change_for_a_record_that_is_not_the_donors_is_refused(portal_app: Flask) -> None:
    _person, _company = _two_records_of_one_email(portal_app)
    with portal_app.app_context():
        stranger = settled_payment(db.session).donation.donor
        db.session.commit()
        stranger_id = stranger.public_id
    before = _addresses(portal_app)
    donor = signed_in(portal_app)
    assert donor.get(f"/my/address?donor={stranger_id}").status_code == 404
    page = donor.get("/my/address").get_data(as_text=True)
    data = {
        **form_fields(page),
        "donor": stranger_id,
        "address_line1": "8 avenue Foch",
        "postal_code": "69006",
        "city": "Lyon",
        "country": "FR",
    }
    assert donor.post("/my/address", data=data).status_code == 404
    assert _addresses(portal_app) == before
