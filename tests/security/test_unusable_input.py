"""What no field can hold (NUL bytes, control characters), broken hidden tokens, blank filters and
unsafe `next=` addresses each get a 4xx with a message, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.models import Donation
from tests.support.donors import INDIVIDUAL
from tests.support.finance_staff import FINANCE_EMAIL, PASSWORD, sign_in
from tests.support.pages import csrf_token, form_fields

REFUSED = "cannot be used"  # the words of the request check's message
GIFT = {"kind": "one_off", "amount": "50", **INDIVIDUAL}


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(MAIL_SERVER="")


def english_browser(app: Flask) -> FlaskClient:
    """A browser asking for English pages (the messages below are the English source)."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english_browser(app)


@pytest.fixture
def finance(app: Flask, make_staff: Callable[..., Any]) -> FlaskClient:
    browser = english_browser(app)
    assert sign_in(browser, make_staff()).status_code == 303
    return browser


def donation_form(client: FlaskClient, **typed: str) -> dict[str, str]:
    """The hidden fields of a fresh /donate page with a valid gift, then `typed` over it."""
    return {**form_fields(client.get("/donate").text), **GIFT, **typed}


def donations_recorded(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Donation)) or 0


def assert_refused(response: Any, status: int = 400, words: str = REFUSED) -> None:
    assert response.status_code == status, response.text[:500]
    assert words in response.text


# --- NUL bytes and control characters ------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "email", "address_line1", "city", "postal_code", "submission_token", "siren"]
)
def test_nul_byte_in_a_donation_field_is_refused_with_400_and_records_nothing(
    app: Flask, client: FlaskClient, field: str
) -> None:
    response = client.post("/donate", data=donation_form(client, **{field: "Mar\x00tin"}))
    assert_refused(response)
    assert donations_recorded(app) == 0


def test_nul_byte_in_a_field_name_is_refused(client: FlaskClient) -> None:
    assert_refused(client.post("/donate", data={**donation_form(client), "x\x00y": "1"}))


def test_nul_byte_in_the_staff_sign_in_is_refused_with_400(client: FlaskClient) -> None:
    page = client.get("/finance/login")
    for typed in (
        {"email": "compta\x00@fondation.example", "password": "x"},
        {"email": FINANCE_EMAIL, "password": "pass\x00word"},
    ):
        assert_refused(client.post("/finance/login", data={"csrf_token": csrf_token(page.text), **typed}))


@pytest.mark.parametrize(
    "path",
    ["/receipts/verify/2026-%00001", "/receipts/verify/2026-00001?c=%00", "/donate/thanks/a%00b", "/my/sign-in/a%00b"],
)
def test_nul_byte_in_a_path_or_query_is_refused_with_400(client: FlaskClient, path: str) -> None:
    assert_refused(client.get(path))


@pytest.mark.parametrize("query", ["q=Mar%00tin", "q=%01", "kind=one_off%00", "amount_min=1%00", "x%00=1"])
def test_nul_byte_or_control_character_in_the_finance_search_is_refused_with_400(
    finance: FlaskClient, query: str
) -> None:
    for path in ("/finance/donations", "/finance/donations.csv"):
        with finance.get(f"{path}?{query}") as response:
            assert_refused(response)


def test_a_json_body_with_a_nul_byte_or_a_lone_surrogate_is_refused_with_400(client: FlaskClient) -> None:
    for body in ('{"amount": "50\\u0000"}', '{"amount": "\\ud800"}'):
        response = client.post("/api/tax-reduction", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.get_json()["error"]


def test_a_json_body_nested_100000_deep_is_refused_with_400(client: FlaskClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/donate", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_tabs_and_line_breaks_are_not_refused_by_the_request_check(client: FlaskClient) -> None:
    # A text area sends CR/LF; the form itself decides what a field accepts.
    response = client.post("/donate", data=donation_form(client, address_line2="Bâtiment B\r\n\t2e étage"))
    assert REFUSED not in response.text


# --- the form's one-time token --------------------------------------------------------------


@pytest.mark.parametrize("token", ["t" * 65, "t" * 10_000, "not a token!", "   "])
def test_a_damaged_submission_token_is_refused_with_400_and_a_fresh_one_to_send_again(
    app: Flask, client: FlaskClient, token: str
) -> None:
    response = client.post("/donate", data=donation_form(client, submission_token=token))
    assert_refused(response, words="This form was damaged on its way")
    assert donations_recorded(app) == 0
    fresh = form_fields(response.text)["submission_token"]
    assert fresh != token and 0 < len(fresh) <= 64
    assert 'value="Camille"' in response.text  # what was typed is kept


# --- blank finance filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["q", "kind", "status", "scheme", "amount_min", "amount_max", "sort", "order", "date_from"]
)
def test_a_finance_filter_of_spaces_only_is_no_filter(finance: FlaskClient, field: str) -> None:
    for path in ("/finance/donations", "/finance/donations.csv", "/finance/receipts.csv"):
        with finance.get(path, query_string={field: "   "}) as response:
            assert response.status_code == 200, (path, response.text[:300])


def test_a_finance_filter_with_spaces_around_a_value_is_the_value(finance: FlaskClient) -> None:
    assert (
        finance.get("/finance/donations", query_string={"kind": " monthly ", "amount_min": " 10 "}).status_code == 200
    )
    assert finance.get("/finance/donations", query_string={"kind": "  nonsense "}).status_code == 400


# --- where the sign-in sends staff next ------------------------------------------------------


def _sign_in_then(client: FlaskClient, next_value: str) -> Any:
    page = client.get("/finance/login")
    data = {"csrf_token": csrf_token(page.text), "email": FINANCE_EMAIL, "password": PASSWORD}
    return client.post("/finance/login", query_string={"next": next_value}, data=data)


@pytest.mark.parametrize(
    "next_value",
    [
        "/finance\r\nSet-Cookie: x=1",
        "/finance/donations\n",
        "/finance/\tdonations",
        "//evil.example/finance",
        "https://evil.example/finance",
        "/finance\\..\\@evil.example",
        "/\t/evil.example",
        "/financeevil",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_follows_a_next_address_off_the_back_office(
    client: FlaskClient, make_staff: Callable[..., Any], next_value: str
) -> None:
    make_staff()
    response = _sign_in_then(client, next_value)
    assert response.status_code == 303
    assert response.headers["Location"] == "/finance/"


def test_sign_in_follows_a_next_address_inside_the_back_office(
    client: FlaskClient, make_staff: Callable[..., Any]
) -> None:
    make_staff()
    response = _sign_in_then(client, "/finance/donations?q=Martin&page=2")
    assert response.headers["Location"] == "/finance/donations?q=Martin&page=2"


def test_error_answers_of_the_api_are_json_with_a_message(client: FlaskClient) -> None:
    response = client.get("/api/tax-reduction?amount=%00")
    assert response.status_code == 400
    assert REFUSED in json.dumps(response.get_json(), ensure_ascii=False)


def test_the_refusal_speaks_french_first(app: Flask) -> None:
    response = app.test_client().get("/receipts/verify/2026-%00001")
    assert_refused(response, words="ne peuvent pas être utilisés")


def test_a_json_form_with_nan_or_a_nested_value_is_refused_with_400(client: FlaskClient) -> None:
    # Flask-WTF reads a JSON body as the form's fields, with the CSRF token in a header.
    token = form_fields(client.get("/donate").text)["csrf_token"]
    for body in ("true", "3", '{"amount": NaN}', '{"amount": ["50", {"a": 1}]}', '["one_off"]', '{"amount": 50}'):
        response = client.post("/donate", data=body, headers={"Content-Type": "application/json", "X-CSRFToken": token})
        assert response.status_code == 400, body


@pytest.mark.parametrize("number", ["2147483648", "9" * 30])
def test_a_record_id_past_its_column_is_no_page(finance: FlaskClient, number: str) -> None:
    assert finance.get(f"/finance/payments/{number}/refund").status_code == 404
    assert finance.get(f"/finance/staff/{number}/active").status_code in (403, 404)  # admins only
