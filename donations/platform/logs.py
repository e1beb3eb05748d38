"""The service's log lines: readable text (the default), or one JSON object per line (LOG_FORMAT=json).

A JSON line holds the time (UTC, ISO 8601), the level, the logger, the message
and, during a request, the request's id and path; an exception's traceback
comes as `exception`. Nothing else of a log record is written: extra fields a
library attaches never reach the line. A sign-in token in a path is redacted
as in the access logs. gunicorn (gunicorn.conf.py) and Celery (`worker`) use
the same lines.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from donations.platform.security import redact_sign_in_tokens

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# gunicorn's loggers: when it runs the app without gunicorn.conf.py, their handlers are switched to JSON too.
GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
            entry["path"] = redact_sign_in_tokens(request.path)
        elif record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            # gunicorn's atoms: the answer's X-Request-ID header ties the access line to the app's lines.
            try:
                entry["request_id"] = record.args["{x-request-id}o"]
            except KeyError:
                entry["request_id"] = "-"
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _is_json(handler: logging.Handler) -> bool:
    return isinstance(handler.formatter, JsonLines)


def configure_logging(log_format: str, level: int) -> None:
    """The process's logging, once: text through `basicConfig` unless something configured it first,
    or JSON lines on the root logger (and on gunicorn's handlers, when it runs the app)."""
    root = logging.getLogger()
    if log_format != "json":
        if not root.handlers:
            logging.basicConfig(level=level, format=TEXT_FORMAT)
        return
    if not any(_is_json(existing) for existing in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(JsonLines())
        root.addHandler(stream)
        root.setLevel(level)
    for name in GUNICORN_LOGGERS:
        json_handlers(logging.getLogger(name))


def json_handlers(logger: logging.Logger, **_: Any) -> None:
    """Make the handlers a library set up on `logger` (Celery's) write JSON lines."""
    for handler in logger.handlers:
        handler.setFormatter(JsonLines())


def register_request_ids(app: Flask) -> None:
    """Each request gets an id of its own, in its log lines and in its answer (X-Request-ID), so that a
    donor's or Stripe's report of one answer leads to its lines."""

    @app.before_request
    def name_the_request() -> None:
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def tell_the_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
