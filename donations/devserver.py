"""`make run`: the service on http://127.0.0.1:5000 and, without a Stripe key, the local sandbox.

A development convenience only; production runs gunicorn on `wsgi:app`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from urllib.parse import urlsplit

from donations import create_app

log = logging.getLogger(__name__)

HOST = os.environ.get("RUN_HOST", "127.0.0.1")
PORT = int(os.environ.get("RUN_PORT", "5000"))


def start_sandbox(api_base: str, webhook_secret: str) -> subprocess.Popen[bytes]:
    """Start `python -m stripe_sandbox` on the port of STRIPE_API_BASE, posting webhooks to us."""
    address = urlsplit(api_base)
    command = [
        sys.executable, "-m", "stripe_sandbox",
        "--host", address.hostname or "127.0.0.1",
        "--port", str(address.port or 12111),
        "--webhook-url", f"http://{HOST}:{PORT}/stripe/webhook",
        "--webhook-secret", webhook_secret,
    ]
    log.info("starting the Stripe sandbox on %s", api_base)
    return subprocess.Popen(command)


def main() -> None:
    app = create_app()
    sandbox = None
    if app.config["STRIPE_USES_SANDBOX"]:
        sandbox = start_sandbox(app.config["STRIPE_API_BASE"], app.config["STRIPE_WEBHOOK_SECRET"])
    try:
        log.info("the service runs on http://%s:%d", HOST, PORT)
        app.run(host=HOST, port=PORT, threaded=True, use_reloader=False)
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
