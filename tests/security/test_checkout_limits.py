"""Card-testing defence of POST /donate: velocity limits on Checkout Sessions, the ALTCHA proof of
work past a soft threshold, tighter limits after a burst of failed checkouts (issue #13, point 3).

The service runs over HTTP with the Stripe sandbox beside it (`live`, tests/support/live_service.py), so a
Checkout Session the form opens is a real one, counted at the sandbox.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from altcha import Challenge, Payload, create_challenge, solve_challenge
from flask import Flask

from donations.config import ConfigError
from donations.extensions import db
from donations.giving.altcha_challenge import ALGORITHM, signing_key
from donations.models import Donation
from stripe_sandbox import serve_in_thread, sign
from tests.support.donors import INDIVIDUAL
from tests.support.gunicorn_server import Gunicorn
from tests.support.live_service import WEBHOOK_SECRET, Live
from tests.support.pages import form_fields

# Cheap challenges: the tests solve dozens of them in Python.
LIMITS_ON = {"CHECKOUT_LIMITS": "on", "ALTCHA_COST": "1000"}
WIDGET = "<altcha-widget"


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return dict(LIMITS_ON)


def solved(live: Live, headers: dict[str, str] | None = None) -> str:
    """A solution of a fresh challenge, as the widget puts it in the form's `altcha` field."""
    answer = live.browser.get(live.url + "/donate/challenge", headers=headers or {}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    challenge = Challenge.from_dict(answer.json())
    solution = solve_challenge(challenge, timeout=30)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def post_gift(live: Live, n: int, headers: dict[str, str] | None = None, **fields: str) -> requests.Response:
    """Fill /donate as a fresh visitor (its own form token) and post it; the answer, not followed."""
    with requests.Session() as browser:
        page = browser.get(live.url + "/donate?kind=one_off&amount=50", headers=headers or {}, timeout=10)
        data = {
            **form_fields(page.text),
            "kind": "one_off",
            "amount": "50",
            **INDIVIDUAL,
            "email": f"card{n}@example.org",
            **fields,
        }
        return browser.post(live.url + "/donate", data=data, headers=headers or {}, allow_redirects=False, timeout=30)


def sessions_opened(app: Flask) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Donation).where(Donation.stripe_checkout_session_id.is_not(None))
            )
            or 0
        )


def donations_recorded(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Donation)) or 0


def test_a_donor_posting_once_sees_no_challenge_and_goes_to_checkout(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    assert WIDGET not in live.get("/donate?kind=one_off&amount=50").text
    answer = give()
    assert answer.status_code == 303 and "/checkout/" in answer.headers["Location"]
    assert sessions_opened(live.app) == 1


def test_a_burst_of_forty_posts_from_one_client_opens_at_most_ten_sessions_and_never_a_5xx(live: Live) -> None:
    # The card tester solves every challenge (it costs them, not the donors): only the hard limit holds them.
    payloads = [solved(live) for _ in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: post_gift(live, n, altcha=payloads[n]), range(40)))
    statuses = sorted(answer.status_code for answer in answers)
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(303) == 10 and statuses.count(429) == 30, statuses
    assert sessions_opened(live.app) == 10
    # Refused posts record nothing: no pending donation piles up behind the limit.
    assert donations_recorded(live.app) == 10
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert int(refused.headers["Retry-After"]) > 0
    assert "Nothing was charged" in refused.text or "Aucun montant n’a été débité" in refused.text


def test_past_the_soft_threshold_the_form_asks_for_the_challenge_then_a_solved_one_opens_checkout(live: Live) -> None:
    for n in range(3):
        assert post_gift(live, n).status_code == 303
    # The fourth post, without a solution: the form again, with the challenge and the details kept.
    asked = post_gift(live, 3, headers={"Accept-Language": "en"})
    assert asked.status_code == 429
    assert WIDGET in asked.text and 'value="card3@example.org"' in asked.text
    assert "One more step before payment" in asked.text
    assert sessions_opened(live.app) == 3
    # The page itself now shows the challenge to this address before any post.
    assert WIDGET in live.get("/donate?kind=one_off&amount=50").text
    assert post_gift(live, 4, altcha=solved(live)).status_code == 303
    assert sessions_opened(live.app) == 4


def test_a_wrong_expired_or_reused_solution_is_refused_with_a_message(live: Live) -> None:
    for n in range(3):
        post_gift(live, n)
    good = solved(live)
    assert post_gift(live, 3, altcha=good).status_code == 303
    again = post_gift(live, 4, altcha=good)
    assert again.status_code == 400 and WIDGET in again.text  # a solution is spent once
    for junk in ("not base64 at all", "e30=", "x" * 5000, json.dumps({"challenge": [], "solution": 1})):
        assert post_gift(live, 5, altcha=junk).status_code == 400
    decoded = json.loads(base64.b64decode(solved(live)))
    decoded["challenge"]["parameters"]["cost"] = 1  # a cheaper challenge than the one signed
    forged = base64.b64encode(json.dumps(decoded).encode()).decode()
    assert post_gift(live, 6, altcha=forged).status_code == 400
    # A challenge the service signed, solved after it expired.
    stale = create_challenge(ALGORITHM, 1000, expires_at=int(time.time()) - 1, hmac_secret=signing_key(live.app.config))
    expired = post_gift(live, 7, altcha=Payload(stale, solve_challenge(stale)).to_base64())  # type: ignore[arg-type]
    assert expired.status_code == 400 and WIDGET in expired.text
    assert sessions_opened(live.app) == 4


@pytest.mark.parametrize("live_settings", [{**LIMITS_ON, "TRUSTED_PROXIES": "1"}])
def test_one_email_from_many_addresses_is_limited_per_email(live: Live) -> None:
    # Behind one trusted proxy each donor has their own address; the email is what repeats.
    answers = []
    for n in range(8):
        headers = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
        payload = solved(live, headers)
        answers.append(post_gift(live, n, headers=headers, email="same.card@example.org", altcha=payload).status_code)
    assert answers == [303] * 5 + [429] * 3


@pytest.mark.parametrize(
    "live_settings",
    [
        {
            **LIMITS_ON,
            "TRUSTED_PROXIES": "1",
            "CHECKOUT_LIMIT_GLOBAL": "6 per hour",
            "CHECKOUT_GLOBAL_CHALLENGE_AFTER": "4",
        }
    ],
)
def test_the_site_wide_limit_asks_everyone_for_the_challenge_then_holds_whatever_the_addresses(live: Live) -> None:
    answers, challenged = [], []
    for n in range(8):
        headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
        first = post_gift(live, n, headers=headers)
        challenged.append(first.status_code == 429 and WIDGET in first.text)
        if challenged[-1]:
            first = post_gift(live, n, headers=headers, altcha=solved(live, headers))
        answers.append(first.status_code)
    assert challenged == [False] * 4 + [True] * 4
    assert answers == [303] * 6 + [429] * 2
    assert sessions_opened(live.app) == 6


def failed_payment_event(n: int) -> dict[str, Any]:
    return {
        "id": f"evt_declined_{n}",
        "object": "event",
        "type": "payment_intent.payment_failed",
        "livemode": False,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": f"pi_declined_{n}",
                "object": "payment_intent",
                "status": "requires_payment_method",
                "metadata": {},
            }
        },
    }


def deliver(live: Live, event: dict[str, Any]) -> int:
    body = json.dumps(event)
    headers = {"Stripe-Signature": sign(body, WEBHOOK_SECRET), "Content-Type": "application/json"}
    return requests.post(live.url + "/stripe/webhook", data=body, headers=headers, timeout=10).status_code


@pytest.mark.parametrize("live_settings", [{**LIMITS_ON, "CHECKOUT_BURST_FAILURES": "5 per hour"}])
def test_a_burst_of_declined_checkouts_asks_everyone_for_the_challenge_and_halves_the_limits(live: Live) -> None:
    assert WIDGET not in live.get("/donate").text
    for n in range(4):
        assert deliver(live, failed_payment_event(n)) == 200
    assert deliver(live, failed_payment_event(0)) == 200  # Stripe's repeat of an event counts once
    assert WIDGET not in live.get("/donate").text
    assert deliver(live, failed_payment_event(4)) == 200
    # The burst is on: a first-time donor is asked for the proof of work…
    assert WIDGET in live.get("/donate").text
    first = post_gift(live, 0)
    assert first.status_code == 429 and WIDGET in first.text
    # …and each session counts twice: 5 sessions exhaust the address's 10.
    answers = [post_gift(live, n, altcha=solved(live)).status_code for n in range(1, 8)]
    assert answers == [303] * 5 + [429] * 2


@pytest.mark.parametrize("live_settings", [{"CHECKOUT_LIMITS": "off"}])
def test_checkout_limits_off_lets_a_scripted_harness_post_freely(live: Live) -> None:
    answers = [post_gift(live, n).status_code for n in range(15)]
    assert answers == [303] * 15
    assert WIDGET not in live.get("/donate").text


def test_pages_and_the_challenge_never_count_against_the_limits(live: Live) -> None:
    for _ in range(30):
        assert live.get("/donate?kind=one_off&amount=50").status_code == 200
        assert live.get("/donate/challenge").status_code == 200
    assert post_gift(live, 0).status_code == 303


def test_the_challenge_page_keeps_a_strict_content_security_policy_and_serves_the_widget_from_the_site(
    live: Live,
) -> None:
    for n in range(3):
        post_gift(live, n)
    page = live.get("/donate?kind=one_off&amount=50")
    assert WIDGET in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "blob:" not in policy
    assert "script-src 'self'" in policy and "worker-src 'self'" in policy
    for asset in (
        "js/altcha-setup.js",
        "vendor/altcha/altcha.min.js",
        "vendor/altcha/altcha.css",
        "vendor/altcha/workers/pbkdf2.js",
        "vendor/altcha/LICENSE.txt",
    ):
        assert live.get(f"/static/{asset}").status_code == 200, asset
    # Every script and stylesheet of the page is the site's own.
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text):
        assert url.startswith("/static/"), url


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"CHECKOUT_LIMIT_PER_ADDRESS": "lots"}, "CHECKOUT_LIMIT_PER_ADDRESS"),
        ({"CHECKOUT_LIMIT_GLOBAL": "10 per hour; 50 per day"}, "CHECKOUT_LIMIT_GLOBAL"),
        ({"CHECKOUT_BURST_FAILURES": ""}, None),  # empty: the default
        ({"CHECKOUT_CHALLENGE_AFTER": "-1"}, "CHECKOUT_CHALLENGE_AFTER"),
        ({"CHECKOUT_CHALLENGE_AFTER": "three"}, "CHECKOUT_CHALLENGE_AFTER"),
        ({"CHECKOUT_BURST_FACTOR": "0"}, "CHECKOUT_BURST_FACTOR"),
        ({"ALTCHA_HMAC_KEY": "short"}, "ALTCHA_HMAC_KEY"),
        ({"ALTCHA_COST": "10"}, "ALTCHA_COST"),
        ({"CHECKOUT_LIMITS": "maybe"}, "CHECKOUT_LIMITS"),
    ],
)
def test_bad_checkout_thresholds_are_refused_at_start_up(
    make_app: Callable[..., Flask], overrides: dict[str, str], named: str | None
) -> None:
    if named is None:
        assert make_app(**overrides).config["CHECKOUT_BURST_FAILURES"] == "15 per hour"
        return
    with pytest.raises(ConfigError, match=named):
        make_app(**overrides)


def test_checkout_limits_off_is_refused_in_production(make_app: Callable[..., Flask]) -> None:
    from tests.support.production import PRODUCTION

    with pytest.raises(ConfigError, match="CHECKOUT_LIMITS=off"):
        make_app(**PRODUCTION, CHECKOUT_LIMITS="off")
    assert make_app(**PRODUCTION).config["CHECKOUT_LIMITS"] is True


def test_an_ipv6_client_is_counted_by_its_slash_64() -> None:
    from donations.giving.checkout_limits import client_network

    assert client_network("2001:db8:1:2:aaaa::1") == client_network("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::1") != client_network("2001:db8:1:2::1")
    assert client_network("198.51.100.7") == "198.51.100.7"
    assert client_network("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_network(None) == "-" and client_network("not an address") == "not an address"


@pytest.mark.parametrize("live_settings", [{**LIMITS_ON, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/13"}])
def test_an_outage_of_the_limits_storage_asks_for_the_challenge_and_never_makes_a_5xx(live: Live) -> None:
    # Nothing can be counted: the proof of work, which needs no storage, stands in for the counts.
    assert WIDGET in live.get("/donate?kind=one_off&amount=50").text
    asked = post_gift(live, 0)
    assert asked.status_code == 429 and WIDGET in asked.text
    assert post_gift(live, 1, altcha=solved(live)).status_code == 303


def test_checkout_limits_in_redis_hold_across_gunicorn_workers(
    database_url: str, tmp_path: Any, redis_url: str, redis_limits: Any
) -> None:
    """gunicorn with 2 workers, as in production: the forty posts land on both, one count holds them
    (with memory:// each worker would count its own, and let 20 through)."""
    sandbox = serve_in_thread({"sepa_delay": -1})
    settings = {**LIMITS_ON, "CHECKOUT_CHALLENGE_AFTER": "40", "RATELIMIT_STORAGE_URI": redis_url}
    app_server = Gunicorn(database_url, sandbox.url, tmp_path, settings)
    try:
        site = Live(app=None, url=app_server.url, sandbox=sandbox, browser=requests.Session())  # type: ignore[arg-type]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(lambda n: post_gift(site, n).status_code, range(40)))
        assert statuses == [303] * 10 + [429] * 30, statuses
        assert len(sandbox.sandbox.store.by_type["checkout.session"]) == 10
    finally:
        app_server.stop()
        sandbox.stop()
