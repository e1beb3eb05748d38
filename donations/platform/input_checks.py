"""One check of every request, before any view: text the database cannot hold is refused with 400.

PostgreSQL refuses a NUL byte in any text value, and a lone UTF-16 surrogate
(which a JSON `\\ud800` escape produces) cannot be encoded for it at all: either
would reach a query and fail there as a 500, whichever view read it. Other
control characters (but tab, line feed and carriage return, which a text area
sends) have no place in a name, an address or a search either, and would
print garbled on a receipt. So the path, the query string, the form fields
(names and values), the names of uploaded files and JSON bodies are read once
here and refused as a whole, with a message, before a view sees them. A
JSON body must moreover look like a form (an object of texts), since that is
how Flask-WTF reads it.

Stripe's webhook is the exception for its body: it is verified on the raw
bytes, then its event is checked by `donations.fulfilment.event_shape`. What counts as
unusable is said once, in `donations.platform.usable_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, abort, make_response, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from donations.platform.usable_text import has_unsafe_text, is_form_like, parse_json_safely
from donations.platform.web import error_response


def _unsafe_any(texts: Iterable[str]) -> bool:
    return any(has_unsafe_text(text) for text in texts)


def _request_texts() -> Iterator[str]:
    yield request.path
    for key, values in request.args.lists():
        yield key
        yield from values
    if request.blueprint == "webhooks":
        return  # the raw body is the signed message; see donations.fulfilment.event_shape
    for key, values in request.form.lists():
        yield key
        yield from values
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""


def refuse_unsafe_input() -> None:
    """Before every view: a request with unusable characters, or a JSON body that cannot be read, is answered 400."""
    if _unsafe_any(_request_texts()):
        # Translated only when refusing: every request passes here, Stripe's webhooks by the hundred.
        refused = _(
            "What you sent contains characters that cannot be used (such as control characters). Please remove them and try again."
        )
        abort(make_response(error_response(400, refused)))
    body = request.get_data(cache=True) if request.blueprint != "webhooks" and request.is_json else b""
    if body:
        try:
            document = parse_json_safely(body)
        except (ValueError, UnicodeDecodeError):
            abort(make_response(error_response(400)))
        if not is_form_like(document):
            abort(
                make_response(
                    error_response(
                        400, _("A JSON body must be an object whose values are texts, as a form sends them.")
                    )
                )
            )


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in a route: a record's id, so at most what its 32-bit column holds.

    A larger number is no page (404) rather than a query PostgreSQL refuses.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def install_record_id_converter(app: Flask) -> None:
    """Make `<int:…>` mean a record id; call before the blueprints add their routes."""
    app.url_map.converters["int"] = RecordIdConverter


def register_input_checks(app: Flask) -> None:
    """Run `refuse_unsafe_input` before every request of the app."""
    app.before_request(refuse_unsafe_input)
