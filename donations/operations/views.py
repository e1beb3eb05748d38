"""GET /healthz for load balancers and GET /metrics (where METRICS_PATH says) for Prometheus.

Neither touches the session (no cookie is ever set), neither is rate-limited (the
limiter skips every GET: donations.extensions), and neither can answer 500: a check
or a figure that fails is named in the answer.
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from donations.extensions import csrf, db
from donations.operations.health_checks import BoundedChecks, run_checks
from donations.operations.metrics import EXTENSION, ServiceMetrics, metrics_of, multiprocess_directory, render
from donations.operations.settings import metrics_path
from donations.platform.deployment import gunicorn_workers

log = logging.getLogger(__name__)

bp = Blueprint("operations", __name__)
csrf.exempt(bp)

CHECKS = "operations_health_checks"


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 and each check `ok`; 503 naming the failing ones. Each check bounded (2 s)."""
    try:
        results = run_checks(current_app.extensions[CHECKS], db.engine, current_app.config)
    except Exception as error:  # never a 500: whatever broke, the probe reads a failure
        log.exception("the health checks could not run")
        return _no_store(jsonify(status="failing", checks={"healthz": f"failing ({type(error).__name__})"})), 503
    failing = [result.name for result in results if not result.ok]
    body = jsonify(
        status="failing" if failing else "ok",
        checks={result.name: result.state for result in results},
        failing=failing,
    )
    return _no_store(body), 503 if failing else 200


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _token_matches(expected: str) -> bool:
    scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def metrics_view() -> Response:
    """The Prometheus text exposition; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token and not _token_matches(token):
        refused = Response("a bearer token is needed\n", status=401, mimetype="text/plain")
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    from prometheus_client import CONTENT_TYPE_LATEST

    answer = Response(render(current_app._get_current_object(), db.engine), mimetype=None)  # type: ignore[attr-defined]
    answer.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return _no_store(answer)


def _start_timer() -> None:
    g.operations_started = time.perf_counter()


def _time_request(response: Response) -> Response:
    started = g.get("operations_started")
    metrics = metrics_of(current_app)
    if started is not None and metrics is not None:
        metrics.request_answered(request.endpoint or "unmatched", time.perf_counter() - started)
    return response


def register_operations(app: Flask) -> None:
    """/healthz always; /metrics and the request timing only when METRICS_PATH or METRICS_TOKEN is set."""
    app.extensions[CHECKS] = BoundedChecks()
    app.register_blueprint(bp)
    path = metrics_path(app.config)
    if path is None:
        return
    app.extensions[EXTENSION] = ServiceMetrics()
    workers = gunicorn_workers(os.environ)
    if workers > 1 and not multiprocess_directory():
        log.warning(
            "%d workers serve /metrics without PROMETHEUS_MULTIPROC_DIR: each scrape shows one worker's counts "
            "(start gunicorn with gunicorn.conf.py, which sets it)",
            workers,
        )
    app.add_url_rule(path, "operations.metrics", metrics_view, methods=["GET"])
    csrf.exempt(metrics_view)
    # Two perf_counter() calls and a histogram observation per request: no database, no lock held long.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # first: the whole request is timed
    app.after_request(_time_request)
