"""Language choice (French first, English second) and the helpers templates use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

from flask import Flask, current_app, request, session
from flask_babel import format_date as babel_format_date
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from donations.clock import paris_date
from donations.money import format_euros, format_rate
from receipts.document.snapshot import FoundationMentions
from receipts.filing import CURRENT as FILING_NOW

SUPPORTED_LOCALES = ("fr", "en")


def select_locale() -> str:
    """`?lang=` wins and is remembered in the session; then the session; then the browser."""
    asked = request.args.get("lang", "")
    if asked in SUPPORTED_LOCALES:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in SUPPORTED_LOCALES:
        return remembered
    return browser_language(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def browser_language(accept_language: str) -> str:
    """The language a browser's Accept-Language header asks for among ours; French when none."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(SUPPORTED_LOCALES) or "fr"


def current_language() -> str:
    return str(get_locale() or "fr")


def url_with_lang(lang: str) -> str:
    """The current page's URL in another language, keeping its other query arguments."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"


def format_rate_for_language(rate: Decimal) -> str:
    """66 % in French, 66% in English."""
    if current_language() == "en":
        return format_rate(rate).replace("\u00a0%", "%").replace(",", ".")
    return format_rate(rate)


def euros_input(cents: int) -> str:
    """Cents as a person would type them in a form: 100 or 12,50."""
    euros, rest = divmod(cents, 100)
    return str(euros) if rest == 0 else f"{euros},{rest:02d}"


def format_day(instant: dt.datetime | dt.date | None) -> str:
    """A day in the visitor's language (the Paris date of an instant): 24 novembre 2026."""
    if instant is None:
        return ""
    day = paris_date(instant) if isinstance(instant, dt.datetime) else instant
    return babel_format_date(day, format="long")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["euros_input"] = euros_input
    app.jinja_env.filters["format_date"] = format_day
    app.jinja_env.filters["euros"] = format_euros
    app.jinja_env.filters["rate"] = format_rate_for_language

    @app.context_processor
    def inject_globals() -> dict[str, object]:
        return {
            "foundation": FoundationMentions.from_config(current_app.config),
            "current_language": current_language(),
            "url_with_lang": url_with_lang,
            "supported_locales": SUPPORTED_LOCALES,
            # Where each article's gift is declared (the one place the returns' numbers live).
            "filing": FILING_NOW,
        }
