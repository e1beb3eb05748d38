"""Velocity limits on Stripe Checkout Sessions: the card-testing defence of POST /donate.

Card testers send a donation form hundreds of times to try stolen cards on the
Checkout page each session opens. Every attempt to open a session is counted
per client address (an IPv6 client by its /64), per email and for the whole
site, in the rate limiter's storage (RATELIMIT_STORAGE_URI: Redis when several
workers serve):

- past CHECKOUT_CHALLENGE_AFTER sessions from one address or email in the
  window (or CHECKOUT_GLOBAL_CHALLENGE_AFTER for the site), the form asks for
  the ALTCHA proof of work (donations/giving/altcha_challenge.py) before opening more;
- past CHECKOUT_LIMIT_PER_ADDRESS / _PER_EMAIL / _GLOBAL, it answers 429;
- after a burst of declined or expired checkouts (CHECKOUT_BURST_FAILURES,
  counted from Stripe's webhooks), everyone is asked for the challenge and each
  session counts CHECKOUT_BURST_FACTOR times, until the burst has passed.

A normal donor posting once sees none of it. CHECKOUT_LIMITS=off turns it all
off (load tests and scripted harnesses; refused in production).
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from donations.extensions import limiter
from donations.giving.altcha_challenge import Solution, check_solution

log = logging.getLogger(__name__)

# Stripe's word that a checkout brought no money: a card declined on the Checkout page, a SEPA
# debit refused, a session left to expire. Card testing shows as a burst of them.
FAILED_CHECKOUT_EVENTS = frozenset(
    {"payment_intent.payment_failed", "checkout.session.async_payment_failed", "checkout.session.expired"}
)
_BURST_KEY = "checkout-failures"


@dataclass(frozen=True)
class CheckoutRules:
    """The thresholds in force, from the CHECKOUT_* settings."""

    enabled: bool
    per_address: RateLimitItem
    per_email: RateLimitItem
    site: RateLimitItem
    challenge_after: int
    site_challenge_after: int
    burst: RateLimitItem
    burst_factor: int


def rules_from(config: Mapping[str, Any]) -> CheckoutRules:
    """The rules of a configuration (checked by Config.validate at start-up)."""
    enabled = bool(config.get("CHECKOUT_LIMITS", True)) and limiter.enabled
    # Turned off, the thresholds are not read at all (start-up did not check them either).
    rate = parse if enabled else (lambda _text: parse("1 per second"))
    return CheckoutRules(
        enabled=enabled,
        per_address=rate(config["CHECKOUT_LIMIT_PER_ADDRESS"]),
        per_email=rate(config["CHECKOUT_LIMIT_PER_EMAIL"]),
        site=rate(config["CHECKOUT_LIMIT_GLOBAL"]),
        challenge_after=int(config["CHECKOUT_CHALLENGE_AFTER"]) if enabled else 0,
        site_challenge_after=int(config["CHECKOUT_GLOBAL_CHALLENGE_AFTER"]) if enabled else 0,
        burst=rate(config["CHECKOUT_BURST_FAILURES"]),
        burst_factor=int(config["CHECKOUT_BURST_FACTOR"]) if enabled else 1,
    )


def current_rules() -> CheckoutRules:
    """The rules of the running app, read once from its configuration."""
    rules = current_app.extensions.get("checkout_rules")
    if rules is None:
        rules = current_app.extensions["checkout_rules"] = rules_from(current_app.config)
    return rules  # type: ignore[no-any-return]


def client_network(address: str | None) -> str:
    """Who a limit counts: the IPv4 address, or the /64 of an IPv6 one (a single client holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "-"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:  # an IPv4 client seen through a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _email_key(email: str | None) -> str:
    """The email as its counter names it: hashed, so the limiter's storage holds no address."""
    normalised = (email or "").strip().lower()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32] if normalised else ""


def _counters(rules: CheckoutRules, address: str | None, email: str | None) -> list[tuple[RateLimitItem, str, int]]:
    """(limit, key, challenge threshold) of each counter this donor's checkout moves."""
    counters = [(rules.per_address, f"checkout/address/{client_network(address)}", rules.challenge_after)]
    if _email_key(email):
        counters.append((rules.per_email, f"checkout/email/{_email_key(email)}", rules.challenge_after))
    counters.append((rules.site, "checkout/site", rules.site_challenge_after))
    return counters


def _fixed() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(limiter.storage)


def burst_in_progress(rules: CheckoutRules) -> bool:
    """True while CHECKOUT_BURST_FAILURES failed checkouts or more fall within its window."""
    if not rules.enabled:
        return False
    try:
        return MovingWindowRateLimiter(limiter.storage).get_window_stats(rules.burst, _BURST_KEY).remaining == 0
    except Exception:
        log.exception("checkout limits: the limiter's storage cannot be read")
        return True


def record_failed_checkout(rules: CheckoutRules, event_type: str) -> bool:
    """Count a failed checkout Stripe told of (an event of FAILED_CHECKOUT_EVENTS); True if counted."""
    if not rules.enabled or event_type not in FAILED_CHECKOUT_EVENTS:
        return False
    try:
        window = MovingWindowRateLimiter(limiter.storage)
        # During a burst the window is full and a hit would be refused, uncounted, anyway; reading
        # first spares the webhook the hit's cost (the memory storage starts a timer thread on each).
        if window.get_window_stats(rules.burst, _BURST_KEY).remaining == 0:
            return False
        window.hit(rules.burst, _BURST_KEY)
    except Exception:
        log.exception("checkout limits: a failed checkout could not be counted")
        return False
    return True


def challenge_required(rules: CheckoutRules, address: str | None, email: str | None = None) -> bool:
    """Whether the next checkout of this address (and email) must come with a solved challenge."""
    if not rules.enabled:
        return False
    if burst_in_progress(rules):
        return True
    try:
        strategy = _fixed()
        for item, key, threshold in _counters(rules, address, email):
            used = item.amount - strategy.get_window_stats(item, key).remaining
            if used >= threshold:
                return True
    except Exception:
        # Counts unknown: the proof of work, which needs no storage, stands in for them.
        log.exception("checkout limits: the limiter's storage cannot be read")
        return True
    return False


def reserve_checkout(rules: CheckoutRules, address: str | None, email: str | None) -> int:
    """Count one more Checkout Session for this address, email and the site, before it is opened.

    Returns 0 when it may be opened, else the seconds until the limit it hit resets. Counting
    before Stripe is called makes a burst sent at once count whole: no more than the limit
    get through, however many arrive together.
    """
    if not rules.enabled:
        return 0
    cost = rules.burst_factor if burst_in_progress(rules) else 1
    try:
        strategy = _fixed()
        for item, key, _threshold in _counters(rules, address, email):
            if not strategy.hit(item, key, cost=cost):
                reset_at = strategy.get_window_stats(item, key).reset_time
                log.warning("checkout limit %s reached for %s", item, key.split("/", 2)[1])
                return max(1, math.ceil(reset_at - time.time()))
    except Exception:
        log.exception("checkout limits: the limiter's storage cannot be written")
    return 0


class Admission(enum.Enum):
    """What POST /donate may do with a valid form."""

    OPEN = "open"  # open the Checkout Session
    CHALLENGE = "challenge"  # ask for the proof of work first
    WRONG_SOLUTION = "wrong_solution"  # a solution came, but wrong, expired or already used
    REFUSED = "refused"  # a limit is reached: 429 until it resets


@dataclass(frozen=True)
class Decision:
    admission: Admission
    retry_after: int = 0


def admit_checkout(
    config: Mapping[str, Any], rules: CheckoutRules, address: str | None, email: str | None, solution: str | None
) -> Decision:
    """Whether this donor may open one more Checkout Session now (and count it if so)."""
    if not rules.enabled:
        return Decision(Admission.OPEN)
    if challenge_required(rules, address, email):
        checked = check_solution(config, solution)
        if checked is Solution.MISSING:
            return Decision(Admission.CHALLENGE)
        if checked is not Solution.VERIFIED:
            return Decision(Admission.WRONG_SOLUTION)
    retry_after = reserve_checkout(rules, address, email)
    if retry_after:
        return Decision(Admission.REFUSED, retry_after)
    return Decision(Admission.OPEN)
