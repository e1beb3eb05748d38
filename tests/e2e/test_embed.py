"""The form other sites embed: the widget's script, who may frame /embed/donate, and its CSRF
defence that needs no cookie (a third-party frame does not get the session cookie)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import requests

from tests.support.checkouts import donation_of, donations_count
from tests.support.donors import INDIVIDUAL
from tests.support.live_service import Live
from tests.support.pages import form_fields

CAMPAIGN_SITE = "http://campagne.example:8080"


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return {"EMBED_ALLOWED_ORIGINS": f"{CAMPAIGN_SITE} https://autre.example"}


def frame_ancestors(response: requests.Response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    assert match
    return match.group(1).strip()


def cookieless_browser() -> requests.Session:
    """A browser inside a third-party frame: it neither keeps nor sends this site's cookies."""
    browser = requests.Session()
    browser.cookies.set_policy(__import__("http.cookiejar").cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return browser


def test_the_widget_script_is_javascript_naming_the_foundation_and_the_campaign(live: Live) -> None:
    script = live.get("/embed/widget.js?campaign=dystonie&lang=fr")
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert f'"origin": "{live.url}"' in script.text
    assert '"campaign": "dystonie"' in script.text
    assert "Donner \\u00e0 Institut de recherche" in script.text or "Donner à Institut de recherche" in script.text
    assert "/embed/donate?" in script.text


def test_only_the_embedded_form_may_be_framed_and_only_by_the_allowed_origins(live: Live) -> None:
    embedded = live.get("/embed/donate?amount=40")
    assert embedded.status_code == 200
    assert frame_ancestors(embedded) == f"'self' {CAMPAIGN_SITE} https://autre.example"
    assert "X-Frame-Options" not in embedded.headers
    for path in ("/", "/donate?amount=40", "/c/dystonie", "/finance/login", "/my"):
        page = live.get(path, allow_redirects=False)
        assert frame_ancestors(page) == "'self'", path
        assert page.headers["X-Frame-Options"] == "SAMEORIGIN", path


def test_the_embedded_form_says_who_receives_the_gift_and_works_without_cookies(live: Live) -> None:
    browser = cookieless_browser()
    page = browser.get(f"{live.url}/embed/donate?amount=40&lang=fr", timeout=10)
    text = html.unescape(page.text)
    assert (
        "Vous donnez à Institut de recherche sur le cerveau (démonstration), fondation reconnue d’utilité publique."
        in text
    )
    assert not browser.cookies
    fields = form_fields(page.text)
    assert "csrf_token" not in fields and fields["embed_token"]
    answer = browser.post(
        f"{live.url}/embed/donate?lang=fr",
        data={**fields, "kind": "one_off", "amount": "40", **INDIVIDUAL},
        headers={"Origin": live.url},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 200, answer.text
    link = re.search(
        r'<a class="button button-primary" id="continue-to-payment" href="([^"]+)" target="_top">', answer.text
    )
    assert link and html.unescape(link.group(1)).startswith(live.sandbox.url + "/checkout/")
    assert "Votre don à Institut de recherche sur le cerveau (démonstration) est prêt" in html.unescape(answer.text)
    assert frame_ancestors(answer) == f"'self' {CAMPAIGN_SITE} https://autre.example"
    assert donation_of(live, html.unescape(link.group(1))).amount_cents == 4000


def test_a_post_from_another_site_or_with_a_forged_token_is_refused_and_records_nothing(live: Live) -> None:
    browser = cookieless_browser()
    page = browser.get(f"{live.url}/embed/donate?amount=40", timeout=10)
    data = {**form_fields(page.text), "kind": "one_off", "amount": "40", **INDIVIDUAL}
    from_elsewhere = browser.post(f"{live.url}/embed/donate", data=data, headers={"Origin": CAMPAIGN_SITE}, timeout=10)
    assert from_elsewhere.status_code == 403
    assert "Rien n’a été enregistré" in html.unescape(from_elsewhere.text)
    no_origin = browser.post(f"{live.url}/embed/donate", data=data, timeout=10)
    assert no_origin.status_code == 403
    referred = browser.post(
        f"{live.url}/embed/donate",
        data={**data, "embed_token": data["embed_token"][:-2] + "xx"},
        headers={"Referer": f"{live.url}/embed/donate?amount=40"},
        timeout=10,
    )
    assert referred.status_code == 400
    assert "Ce formulaire a expiré" in html.unescape(referred.text)
    other_form = browser.get(f"{live.url}/embed/donate?amount=40", timeout=10)
    swapped = {**data, "embed_token": form_fields(other_form.text)["embed_token"]}  # a token signed for another form
    assert (
        browser.post(f"{live.url}/embed/donate", data=swapped, headers={"Origin": live.url}, timeout=10).status_code
        == 400
    )
    assert donations_count(live) == 0
    # The plain form keeps its cookie-bound CSRF token: without it, it is refused as before.
    plain = {k: v for k, v in data.items() if k != "embed_token"}
    assert browser.post(f"{live.url}/donate", data=plain, headers={"Origin": live.url}, timeout=10).status_code == 400
    assert donations_count(live) == 0


def test_a_mistake_in_the_embedded_form_comes_back_in_the_frame_with_a_fresh_token(live: Live) -> None:
    browser = cookieless_browser()
    page = browser.get(f"{live.url}/embed/donate?amount=40", timeout=10)
    data = {**form_fields(page.text), "kind": "one_off", "amount": "40", **INDIVIDUAL, "postal_code": "123"}
    answer = browser.post(f"{live.url}/embed/donate", data=data, headers={"Origin": live.url}, timeout=10)
    assert answer.status_code == 400
    assert "Un code postal français" in html.unescape(answer.text)
    assert frame_ancestors(answer).startswith("'self' http://campagne.example:8080")
    again = {**form_fields(answer.text), "kind": "one_off", "amount": "40", **INDIVIDUAL}
    assert (
        browser.post(f"{live.url}/embed/donate", data=again, headers={"Origin": live.url}, timeout=10).status_code
        == 200
    )
