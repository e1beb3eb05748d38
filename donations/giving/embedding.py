"""The donation form other sites embed: who may frame it, and its CSRF defence without cookies.

`/embed/donate` lives in an iframe of a campaign site, a third party to this
service. There the browser withholds the session cookie (SameSite=Lax is not
sent in a cross-site frame, and browsers that block third-party cookies drop
even SameSite=None ones), so Flask-WTF's token, kept in that cookie, would
fail for every embedded donor. Making the session cookie SameSite=None would
expose the whole site's session (finance, portal) to cross-site requests, for
a form that still would not work where third-party cookies are blocked.

So the embedded form carries a token that needs no cookie: signed with
SECRET_KEY, valid for a few hours, bound to the form's one-time submission
token. A forged post from another site is refused by the second check: the
browser names the page that sent a form in `Origin` (or `Referer`), and only
this service's own embed page may post it; no site can make a browser send
another site's origin. Nothing the form opens needs a session: it records a
pending anonymous gift and sends the donor to Stripe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

EMBED_TOKEN_MAX_AGE = 6 * 3600
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")


def allowed_origins(config: Mapping[str, Any]) -> list[str]:
    """EMBED_ALLOWED_ORIGINS as a list of origins ("https://site.example"); ValueError when one is not."""
    origins = []
    for origin in re.split(r"[\s,]+", str(config.get("EMBED_ALLOWED_ORIGINS") or "").strip()):
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise ValueError(
                f"{origin!r} is not an origin such as https://campaign.example.org (scheme, host, optional port, no path)"
            )
        origins.append(origin.lower())
    return origins


def frame_ancestors(config: Mapping[str, Any]) -> str:
    """The CSP `frame-ancestors` of the embed pages: this site and the allowed origins."""
    return " ".join(["'self'", *allowed_origins(config)])


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="embedded-donation-form")


def embed_token(secret_key: str, submission_token: str) -> str:
    """The embedded form's CSRF token, bound to its one-time submission token."""
    return _serializer(secret_key).dumps({"form": submission_token})


def embed_token_is_valid(secret_key: str, token: str, submission_token: str) -> bool:
    """Whether `token` was signed here for this form, less than EMBED_TOKEN_MAX_AGE ago."""
    try:
        payload = _serializer(secret_key).loads(token or "", max_age=EMBED_TOKEN_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(payload, dict) and bool(submission_token) and payload.get("form") == submission_token


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def sent_from_own_page(headers: Mapping[str, str], own_origins: list[str]) -> bool:
    """Whether the browser says the form was sent from a page of this service (Origin, else Referer).
    `own_origins`: the address the request came to and PUBLIC_BASE_URL's (behind a proxy they differ)."""
    own = {_origin_of(o) or o.lower() for o in own_origins}
    origin = headers.get("Origin")
    if origin and origin != "null":
        return origin.lower() in own
    referer = headers.get("Referer")
    return bool(referer) and _origin_of(referer) in own  # type: ignore[arg-type]
