"""The embedded form's cookie-free CSRF checks: a token bound to its form, and the page that sent it."""

from __future__ import annotations

import time

from donations.giving import embedding
from donations.giving.embedding import embed_token, embed_token_is_valid, sent_from_own_page

SERVICE = ["http://10.0.0.5:8000", "https://dons.example.org"]  # as reached behind the proxy, and PUBLIC_BASE_URL


def test_a_token_is_valid_only_for_its_form_and_its_key() -> None:
    token = embed_token("k" * 32, "form-a")
    assert embed_token_is_valid("k" * 32, token, "form-a")
    assert not embed_token_is_valid("k" * 32, token, "form-b")
    assert not embed_token_is_valid("x" * 32, token, "form-a")
    assert not embed_token_is_valid("k" * 32, token, "")
    assert not embed_token_is_valid("k" * 32, "", "form-a")


def test_a_token_expires(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    token = embed_token("k" * 32, "form-a")
    monkeypatch.setattr(embedding, "EMBED_TOKEN_MAX_AGE", 0)
    time.sleep(1.1)
    assert not embed_token_is_valid("k" * 32, token, "form-a")


def test_only_the_services_own_pages_may_send_the_form() -> None:
    assert sent_from_own_page({"Origin": "https://dons.example.org"}, SERVICE)
    assert sent_from_own_page({"Origin": "HTTP://10.0.0.5:8000"}, SERVICE)
    assert sent_from_own_page({"Referer": "https://dons.example.org/embed/donate?amount=5"}, SERVICE)
    assert not sent_from_own_page({"Origin": "https://campagne.example"}, SERVICE)
    assert not sent_from_own_page({"Origin": "https://dons.example.org.evil.example"}, SERVICE)
    assert not sent_from_own_page({"Origin": "null"}, SERVICE)
    assert not sent_from_own_page({"Referer": "https://campagne.example/page"}, SERVICE)
    assert not sent_from_own_page({}, SERVICE)
