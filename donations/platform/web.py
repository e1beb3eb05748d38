"""Error pages: every refusal a 4xx with a message a person can act on."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

log = logging.getLogger(__name__)

# What a 503 asks clients (Stripe's retries, scripts) to wait before trying again.
RETRY_AFTER_SECONDS = 30


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you sent."),
        403: _("You are not allowed to see this page."),
        404: _("This page does not exist."),
        405: _("This address does not accept this kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        # Neither page can know whether what was sent was recorded, so neither says it was.
        500: _(
            "Something went wrong on our side, and what you sent may not have been recorded. Please try again later."
        ),
        503: _(
            "The service is unavailable for a moment, so what you sent could not be recorded. Please try again in a few minutes."
        ),
    }


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/stripe/")) or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str | None = None) -> tuple[Response | str, int]:
    message = message or _messages().get(status) or _messages()[400]
    if wants_json():
        return jsonify(error=message), status
    try:
        return render_template("errors/error.html", status=status, message=message), status
    except Exception:  # an error page must never fail in turn
        log.exception("the error page itself failed to render")
        return Response(message, status=status, mimetype="text/plain"), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return error_response(
            400, _("Your form has expired or was not sent by this site. Please reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        return error_response(error.code or 500)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):  # type: ignore[no-untyped-def]
        # The database is down, unreachable or read-only: a passing outage, not a fault of the request.
        log.error("database unavailable on %s %s: %s", request.method, request.path, error.orig or error)
        body, status = error_response(ServiceUnavailable.code)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(InternalServerError.code)
