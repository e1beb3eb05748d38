"""`make run`: the service on http://127.0.0.1:5000 and, without a Stripe key, the local sandbox.

A development convenience only; production runs gunicorn on `wsgi:app`.
`RUN_HOST` and `RUN_PORT` (environment or `.env`) say where the service listens;
the sandbox listens where `STRIPE_API_BASE` says. Either port already taken stops
the start with a message (exit status 2), rather than quietly talking to another
process's sandbox or service.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from donations import create_app

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFUSED = 2  # the exit status when the start is refused (a port taken, RUN_PORT malformed)
SANDBOX_START_SECONDS = 15.0


class StartRefused(Exception):
    """The development server cannot start as configured; the message says why and what to change."""


def run_address(environ: dict[str, str]) -> tuple[str, int]:
    """(RUN_HOST, RUN_PORT), checked."""
    host = environ.get("RUN_HOST") or "127.0.0.1"
    raw = environ.get("RUN_PORT") or "5000"
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise StartRefused(f"RUN_PORT must be a port number between 1 and 65535, not {raw!r}.")
    return host, port


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (as werkzeug does, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(service: tuple[str, int], sandbox: tuple[str, int] | None) -> None:
    host, port = service
    if not port_is_free(host, port):
        raise StartRefused(
            f"Port {port} on {host} is already taken (another `make run`, or another program): "
            f"the service cannot listen there. Stop that process, or set RUN_PORT to a free port "
            f"(and PUBLIC_BASE_URL to match) in .env."
        )
    if sandbox is not None and not port_is_free(*sandbox):
        sandbox_host, sandbox_port = sandbox
        raise StartRefused(
            f"Port {sandbox_port} on {sandbox_host}, where STRIPE_API_BASE says the Stripe sandbox listens, is "
            f"already taken (another `make run`'s sandbox, or another program): the service would talk to it "
            f"instead of its own sandbox. Stop that process, or set STRIPE_API_BASE to a free port in .env."
        )


def sandbox_address(api_base: str) -> tuple[str, int]:
    address = urlsplit(api_base)
    return address.hostname or "127.0.0.1", address.port or 12111


def start_sandbox(api_base: str, webhook_secret: str, service: tuple[str, int]) -> subprocess.Popen[bytes]:
    """Start `python -m stripe_sandbox` on the port of STRIPE_API_BASE, posting webhooks to us; wait until it listens."""
    host, port = sandbox_address(api_base)
    command = [
        sys.executable,
        "-m",
        "stripe_sandbox",
        "--host",
        host,
        "--port",
        str(port),
        "--webhook-url",
        f"http://{service[0]}:{service[1]}/stripe/webhook",
        "--webhook-secret",
        webhook_secret,
    ]
    log.info("starting the Stripe sandbox on %s", api_base)
    process = subprocess.Popen(command)
    deadline = time.monotonic() + SANDBOX_START_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise StartRefused(f"The Stripe sandbox did not start on {host}:{port} (STRIPE_API_BASE); see its output above.")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def warn_if_links_point_elsewhere(public_base_url: str, port: int) -> None:
    address = urlsplit(public_base_url)
    local = address.hostname in ("127.0.0.1", "localhost", "::1")
    if local and (address.port or (443 if address.scheme == "https" else 80)) != port:
        log.warning(
            "PUBLIC_BASE_URL is %s but the service runs on port %d: links in emails and the sandbox's "
            "return pages lead elsewhere; set PUBLIC_BASE_URL to match RUN_PORT",
            public_base_url,
            port,
        )


def serve(environ: dict[str, str]) -> None:
    service = run_address(environ)
    app = create_app()
    uses_sandbox = app.config["STRIPE_USES_SANDBOX"]
    check_ports(service, sandbox_address(app.config["STRIPE_API_BASE"]) if uses_sandbox else None)
    warn_if_links_point_elsewhere(app.config.get("PUBLIC_BASE_URL") or "", service[1])
    # `kill` (SIGTERM) stops the server as Ctrl-C does, so that its sandbox is stopped with it.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    sandbox = (
        start_sandbox(app.config["STRIPE_API_BASE"], app.config["STRIPE_WEBHOOK_SECRET"], service)
        if uses_sandbox
        else None
    )
    try:
        log.info("the service runs on http://%s:%d", *service)
        app.run(host=service[0], port=service[1], threaded=True, use_reloader=False)
    finally:
        if sandbox is not None:
            stop(sandbox)


def main() -> None:
    environ = {k: v for k, v in dotenv_values(PROJECT_ROOT / ".env").items() if v is not None}
    environ.update(os.environ)
    try:
        serve(environ)
    except StartRefused as refused:
        print(f"make run: {refused}", file=sys.stderr)
        raise SystemExit(REFUSED) from None


if __name__ == "__main__":
    main()
