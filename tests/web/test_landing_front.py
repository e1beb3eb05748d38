"""The landing page of anonymous plain visits, answered from memory in front of Flask
(donations/giving/landing_front.py): the same bytes and headers Flask gives, for the
visits whose answer cannot differ, and Flask for every other."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient

from donations.giving import widget


@pytest.fixture
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The requests that reached Flask (a request context was built for them), by path."""
    seen: list[str] = []

    def count(sender: Flask, **_extra: object) -> None:
        from flask import request

        seen.append(request.full_path)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    """A browser that sends no cookie unless told to."""
    return app.test_client(use_cookies=False)


def answer(response) -> tuple[int, list[tuple[str, str]], bytes]:  # type: ignore[no-untyped-def]
    """What the visitor gets, but the request's own id (X-Request-ID: each answer has its own)."""
    headers = [(name, value) for name, value in response.headers if name != "X-Request-ID"]
    return response.status_code, headers, response.data


def test_a_plain_visit_is_answered_from_memory_with_what_flask_answers(
    visitor: FlaskClient, flask_requests: list[str]
) -> None:
    first = visitor.get("/")
    assert first.status_code == 200
    assert flask_requests == ["/?"]  # the first one is Flask's page, kept
    again = visitor.get("/")
    assert flask_requests == ["/?"]
    # A session cookie sends the visit to Flask (an unreadable one is an empty session): the same answer.
    through_flask = visitor.get("/", headers={"Cookie": "session=nothing-readable"})
    assert len(flask_requests) == 2
    assert answer(again) == answer(first) == answer(through_flask)
    # A kept answer gets an id of its own, as one built by Flask does (the logs tie lines to it).
    ids = {r.headers["X-Request-ID"] for r in (first, again, visitor.get("/"), through_flask)}
    assert len(ids) == 4 and all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert "Set-Cookie" not in first.headers
    assert first.headers["Vary"] == "Accept-Language, Cookie"
    assert "frame-ancestors 'self'" in first.headers["Content-Security-Policy"]
    assert first.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_each_browser_language_gets_its_own_page(visitor: FlaskClient, flask_requests: list[str]) -> None:
    for _ in range(2):
        english = visitor.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
        french = visitor.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}).get_data(as_text=True)
        german = visitor.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
        none = visitor.get("/").get_data(as_text=True)
        assert '<html lang="en">' in english
        assert "Causes and biological mechanisms" in english
        assert '<html lang="fr">' in french
        assert german == none == french
    assert len(flask_requests) == 2  # one page per language


def test_https_keeps_its_own_page_with_hsts(visitor: FlaskClient) -> None:
    for _ in range(2):
        secure = visitor.get("/", base_url="https://dons.example.org")
        plain = visitor.get("/")
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Strict-Transport-Security" not in plain.headers
        assert secure.data == plain.data


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("GET", "/?lang=en", {}),
        ("GET", "/?amount=200", {}),
        ("GET", "/?utm_source=newsletter", {}),
        ("GET", "/", {"headers": {"Cookie": "session=abc"}}),
        ("GET", "/", {"data": "a=b", "content_type": "application/x-www-form-urlencoded"}),
        ("HEAD", "/", {}),
        ("POST", "/", {}),
        ("GET", "/donate", {}),
    ],
)
def test_other_visits_reach_flask(
    visitor: FlaskClient, flask_requests: list[str], method: str, path: str, extra: dict[str, object]
) -> None:
    visitor.get("/")  # the kept page exists
    flask_requests.clear()
    visitor.open(path, method=method, **extra)  # type: ignore[arg-type]
    assert len(flask_requests) == 1


def test_a_query_or_a_session_still_shows_its_own_page(client: FlaskClient) -> None:
    client.get("/")
    assert "soit 68,00" in client.get("/?amount=200").get_data(as_text=True)
    english = client.get("/?lang=en")
    assert "Set-Cookie" in english.headers  # the choice is remembered
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # with the cookie: Flask, in English
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Votre lien de connexion a expiré.")]
    assert "Votre lien de connexion a expiré." in client.get("/?lang=fr").get_data(as_text=True)


def test_a_body_with_unusable_characters_is_still_refused(visitor: FlaskClient) -> None:
    visitor.get("/")
    refused = visitor.get("/", data="name=a\x00b", content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400


def test_the_page_follows_the_ifi_year_past_the_filing_deadline(
    visitor: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ifi_rule(html: str) -> str:
        found = re.search(r'data-rule-ifi="([^"]*)"', html)
        assert found
        return found.group(1)

    monkeypatch.setattr(widget, "utcnow", lambda: dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC))
    before = ifi_rule(visitor.get("/").get_data(as_text=True))
    assert "IFI 2027" in before
    assert ifi_rule(visitor.get("/").get_data(as_text=True)) == before
    monkeypatch.setattr(widget, "utcnow", lambda: dt.datetime(2027, 6, 20, 10, tzinfo=dt.UTC))
    after = ifi_rule(visitor.get("/").get_data(as_text=True))
    assert "IFI 2028" in after
