"""The signed session cookie, read only when the browser sent one.

Flask's cookie session builds its signing serializer (the key, the salt, the
HMAC) before it even looks for the cookie. Most requests carry none: Stripe's
webhook deliveries, by the hundred, and a visitor's first page. They get an
empty session at once; a request with a cookie is read exactly as Flask reads
it, and answers are saved as Flask saves them.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, without the serializer's cost when there is no cookie to read."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def install_cookie_session(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
