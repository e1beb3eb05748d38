"""A donor signing in to the portal: by the emailed link over HTTP, or in the test client."""

from __future__ import annotations

import re

import requests
from flask import Flask
from flask.testing import FlaskClient

from donations.clock import utcnow
from donations.extensions import db
from donations.portal import sign_in as portal_access
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox
from tests.support.pages import form_fields


def ask_link(live: Live, email: str) -> requests.Response:
    page = live.get("/my")
    return live.post("/my", data={**form_fields(page.text), "email": email})


def link_in(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"/my/sign-in/[A-Za-z0-9_\-]+", message.get_body(("plain",)).get_content())
    assert match, "no sign-in link in the email"
    return match.group(0)


def sign_in(live: Live, mailbox: Mailbox, email: str) -> None:
    before = len(mailbox.messages)
    assert ask_link(live, email).status_code == 200
    path = link_in(mailbox.wait_for(before + 1)[-1])
    page = live.get(path)
    answer = live.post("/my/sign-in", data=form_fields(page.text))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/my/gifts")


EMAIL = "camille.martin@example.org"


def new_link(app: Flask, email: str = EMAIL) -> str:
    """A sign-in link as the email would carry it (its path)."""
    with app.app_context():
        token = portal_access.create_sign_in(db.session, email, utcnow())
        db.session.commit()
    assert token is not None
    return f"/my/sign-in/{token}"


def signed_in(app: Flask, email: str = EMAIL) -> FlaskClient:
    """A browser that opened its link and pressed the button."""
    browser = app.test_client()
    page = browser.get(new_link(app, email))
    answer = browser.post("/my/sign-in", data=form_fields(page.get_data(as_text=True)))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/my/gifts")
    return browser


def erase(live: Live) -> requests.Response:
    """The signed-in donor asks for their data to be erased (the form confirmed)."""
    page = live.get("/my/erase")
    return live.post("/my/erase", data={**form_fields(page.text), "confirm": "y"})
