"""The ALTCHA proof of work asked of a donor past the checkout thresholds (self-hosted).

The server signs a challenge (HMAC with ALTCHA_HMAC_KEY, or a key derived from
SECRET_KEY), the donor's browser finds its solution with the vendored widget
(static/vendor/altcha/), and the form sends it back in the `altcha` field. No
third party is involved: nothing about the donor leaves the site. A solution is
accepted once: its challenge's signature is remembered in the rate limiter's
storage until the challenge expires.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

from altcha import Payload, create_challenge, verify_solution

from donations.extensions import limiter

log = logging.getLogger(__name__)

ALGORITHM = "PBKDF2/SHA-256"
# A payload is a challenge and its solution in base64: well under a kilobyte.
MAX_PAYLOAD = 4096


class Solution(enum.Enum):
    """What the form's `altcha` field holds."""

    VERIFIED = "verified"
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"


def signing_key(config: Mapping[str, Any]) -> str:
    """The HMAC key that signs challenges: ALTCHA_HMAC_KEY, or one derived from SECRET_KEY."""
    configured = config.get("ALTCHA_HMAC_KEY")
    if configured:
        return str(configured)
    # Derived, so a deployment needs no second secret; a different purpose gives a different key.
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"altcha-challenge", hashlib.sha256).hexdigest()


def new_challenge(config: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A signed challenge, as the widget fetches it (JSON)."""
    challenge = create_challenge(
        ALGORITHM,
        int(config["ALTCHA_COST"]),
        expires_at=now + dt.timedelta(minutes=int(config["ALTCHA_CHALLENGE_MINUTES"])),
        hmac_secret=signing_key(config),
    )
    return challenge.to_dict()


def check_solution(config: Mapping[str, Any], payload: str | None) -> Solution:
    """Verify the form's solution (signature, expiry, the work itself) and spend it."""
    if not payload:
        return Solution.MISSING
    if len(payload) > MAX_PAYLOAD:
        return Solution.INVALID
    try:
        result = verify_solution(payload, signing_key(config))
        signature = Payload.from_base64(payload).challenge.signature if result.verified else None
    except Exception:  # whatever a client sends, a malformed payload is a wrong one
        return Solution.INVALID
    if result.expired:
        return Solution.EXPIRED
    if not result.verified or not signature:
        return Solution.INVALID
    return Solution.VERIFIED if _spend(config, signature) else Solution.REPLAYED


def _spend(config: Mapping[str, Any], signature: str) -> bool:
    """Remember a solved challenge until it expires; False if it was already used."""
    if not limiter.enabled:
        return True
    lifetime = 60 * int(config["ALTCHA_CHALLENGE_MINUTES"]) + 60
    try:
        return limiter.storage.incr(f"altcha-spent/{signature[:128]}", lifetime) == 1
    except Exception:
        log.exception("altcha: the limiter's storage cannot be written; the solution is taken unchecked for reuse")
        return True
