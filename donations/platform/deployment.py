"""How the service sits in its deployment: behind reverse proxies, in several gunicorn workers.

Behind a proxy every request comes from the proxy's address, so rate limits and the audit
trail would key on it (one proxy = one "client" for the whole site). `TRUSTED_PROXIES`
says how many proxies stand in front of the service; their X-Forwarded-For and
X-Forwarded-Proto are then believed, and no other's (a client cannot forge its address
by sending the header itself: only the entries the trusted proxies appended are read).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the headers of the `TRUSTED_PROXIES` proxies."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # x_host stays 0: PUBLIC_BASE_URL names the site; a forwarded Host is never needed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def gunicorn_workers(environ: Mapping[str, str]) -> int:
    """How many worker processes serve the app: gunicorn.conf.py exports the number it starts as
    WEB_CONCURRENCY (gunicorn's own variable); 1 when nothing says otherwise (`flask run`, a command)."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_WORKERS"):
        text = (environ.get(name) or "").strip()
        if text.isdigit():
            return int(text)
    return 1


def limits_are_shared(config: Mapping[str, Any], workers: int) -> bool:
    """False when limits are counted per process (memory://) while several processes serve in
    production: each worker would then allow the whole limit again. Logs a warning then."""
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if config.get("ENV_NAME") == "production" and storage.startswith("memory://") and workers > 1:
        log.warning(
            "RATELIMIT_STORAGE_URI is memory:// with %d workers: each worker counts the sign-in and checkout "
            "limits on its own, so they allow %d times what they say; set RATELIMIT_STORAGE_URI=redis://…",
            workers,
            workers,
        )
        return False
    return True


def check_deployment(app: Flask) -> None:
    """At start-up: believe the configured proxies, and warn when limits are not shared."""
    trust_proxies(app)
    limits_are_shared(app.config, gunicorn_workers(os.environ))
