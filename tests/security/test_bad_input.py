"""Whatever people or programs send, the answer is a clear 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stripe_sandbox import sign

TEXT = st.text(max_size=40)
ANY_FIELD = st.one_of(TEXT, st.sampled_from(["", "0", "-1", "1e9", "NaN", "50,00", "ifi", "company", "FR", "y"]))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(amount=ANY_FIELD, scheme=ANY_FIELD, taxable_income=ANY_FIELD, turnover=ANY_FIELD, kind=ANY_FIELD)
def test_tax_reduction_api_answers_200_or_400_with_a_message(
    make_app: Callable[..., Flask], amount: str, scheme: str, taxable_income: str, turnover: str, kind: str
) -> None:
    client = _app(make_app).test_client()
    response = client.get(
        "/api/tax-reduction",
        query_string={
            "amount": amount,
            "scheme": scheme,
            "taxable_income": taxable_income,
            "turnover": turnover,
            "kind": kind,
        },
    )
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.get_json()["error"]


FORM_FIELDS = [
    "kind",
    "amount",
    "donor_type",
    "first_name",
    "last_name",
    "email",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "company_name",
    "legal_form",
    "siren",
    "financial_year_end",
    "consent",
    "submission_token",
]


@SETTINGS
@given(values=st.fixed_dictionaries({name: ANY_FIELD for name in FORM_FIELDS}))
def test_donation_form_never_fails_on_what_is_typed(make_app: Callable[..., Flask], values: dict[str, str]) -> None:
    client = _app(make_app, WTF_CSRF_ENABLED=False).test_client()
    response = client.post("/donate", data=values)
    # 503: a valid form, but the test's Stripe address is closed on purpose.
    assert response.status_code in (303, 400, 409, 503)


@SETTINGS
@given(
    body=st.binary(max_size=300), header=st.one_of(st.none(), TEXT.filter(lambda h: "\n" not in h and "\r" not in h))
)
def test_webhook_refuses_unsigned_or_garbled_bodies_with_400(
    make_app: Callable[..., Flask], body: bytes, header: str | None
) -> None:
    client = _app(make_app).test_client()
    headers = {"Stripe-Signature": header} if header is not None else {}
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 400


@SETTINGS
@given(
    body=st.one_of(
        st.binary(max_size=200), st.text(max_size=200).map(str.encode), st.just(b'{"id": "evt_1"}'), st.just(b"[]")
    )
)
def test_webhook_refuses_signed_bodies_that_are_not_events_with_400(
    make_app: Callable[..., Flask], body: bytes
) -> None:
    app = _app(make_app)
    payload = body.decode("utf-8", "replace")
    header = sign(payload, app.config["STRIPE_WEBHOOK_SECRET"])
    response = app.test_client().post("/stripe/webhook", data=payload.encode(), headers={"Stripe-Signature": header})
    assert response.status_code == 400


@SETTINGS
@given(email=ANY_FIELD)
def test_portal_link_request_never_fails(make_app: Callable[..., Flask], email: str) -> None:
    client = _app(make_app, WTF_CSRF_ENABLED=False).test_client()
    assert client.post("/my", data={"email": email}).status_code in (200, 400, 429)
    # 400: a path with control characters is refused before any view (donations/platform/input_checks.py).
    assert client.get("/my/sign-in/" + (email.replace("/", "") or "x")).status_code in (200, 400, 404)


_APPS: dict[tuple, Flask] = {}


def _app(make_app: Callable[..., Flask], **overrides: object) -> Flask:
    """One app per configuration for all examples of a test (building one per example is slow)."""
    key = tuple(sorted(overrides.items()))
    if key not in _APPS or _APPS[key].config.get("_builder") is not make_app:
        app = make_app(**overrides)
        app.config["_builder"] = make_app
        _APPS[key] = app
    return _APPS[key]
