"""The landing page of an anonymous plain visit, answered from memory in front of Flask.

Most visits to `/` are a GET with no query, no body and no session cookie: the
answer is then the same for every visitor with the same browser language (the
page names nothing of the visitor, sets no cookie and reads no database), so
the first answer Flask gives for a language is kept, bytes and headers, and
given again without building a request context, running the before-request
checks or the limiter. What such an answer varies on is in its key: the
language the browser asks for (chosen as `select_locale` chooses it), the IFI
year a gift made today counts for (the page names it; it moves after
`TAX_IFI_DEADLINE`), the scheme (HSTS is sent on HTTPS only) and the script
root (the links start with it).

Anything else goes to Flask as before: another method or path, a query (`?lang=`,
`?amount=`, `utm_*`), a body, or a session cookie (a remembered language, a
message to flash). Only a 200 that sets no cookie is kept. The presets, the tax
rules and the foundation's identity the page prints come from the settings,
fixed for the life of the process; the landing page shows no campaign progress
(that is `/c/<slug>`), so nothing else makes a kept page stale.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from donations.giving.widget import ifi_year_today
from donations.platform.locale import browser_language

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Kept = tuple[str, list[tuple[str, str]], bytes]

# A handful of keys is all a process ever sees (2 languages × 2 schemes × the IFI year); the bound
# only keeps odd deployments (many script roots) from growing it.
MAX_KEPT = 16


class LandingFront:
    """WSGI middleware answering anonymous plain GETs of `/` with the page Flask gave first."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.config = app.config
        self.inner = inner
        self.cookie_name = str(app.config["SESSION_COOKIE_NAME"])
        self.kept: dict[tuple[str, int, str, str], Kept] = {}

    def _key(self, environ: dict[str, Any]) -> tuple[str, int, str, str] | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != "/"
            or environ.get("QUERY_STRING")
            or environ.get("CONTENT_LENGTH", "") not in ("", "0")
            or "HTTP_TRANSFER_ENCODING" in environ
            or self.cookie_name in environ.get("HTTP_COOKIE", "")
        ):
            return None
        return (
            browser_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
            ifi_year_today(self.config),
            str(environ.get("wsgi.url_scheme", "http")),
            str(environ.get("SCRIPT_NAME", "")),
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.inner(environ, start_response)
        kept = self.kept.get(key)
        if kept is None:
            status, headers, body = self._ask_flask(environ)
            if status.startswith("200 ") and not any(name.lower() == "set-cookie" for name, _ in headers):
                if len(self.kept) >= MAX_KEPT:
                    self.kept.clear()
                # Kept without the id Flask gave this visit (donations.platform.logs): each later answer gets its own.
                self.kept[key] = (status, [(n, v) for n, v in headers if n.lower() != "x-request-id"], body)
            start_response(status, headers)  # this visit's answer as Flask gave it, its id in Flask's log lines
            return [body]
        status, headers, body = kept
        start_response(status, [*headers, ("X-Request-ID", secrets.token_hex(8))])
        return [body]

    def _ask_flask(self, environ: dict[str, Any]) -> Kept:
        answered: list[Any] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answered[:] = [status, list(headers)]
            return lambda _data: None  # Flask never writes through it

        chunks = self.inner(environ, keep)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return answered[0], answered[1], body


def install_landing_front(app: Flask) -> None:
    """Put the landing front before the app (call before any proxy fix wraps it, so it sees the real scheme)."""
    app.wsgi_app = LandingFront(app, app.wsgi_app)  # type: ignore[method-assign]
