"""The sandbox application: its state, its timers, its webhook sender, and ways to run it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from flask import Flask, request
from werkzeug.serving import make_server

from . import account_api, api, checkout_flow, control, hosted  # noqa: F401 - account_api adds routes to api.bp
from .api_support import json_response, unrecognized_url
from .store import Store
from .webhooks import DEFAULT_RETRY_SCHEDULE, WebhookDispatcher

log = logging.getLogger(__name__)


class Sandbox:
    """One sandbox: the store, the webhook dispatcher and the SEPA settlement timers."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        public_url: str | None = None,
        sepa_delay: float | None = 3.0,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        webhook_timeout: float = 10.0,
        portal_default_saved: bool = True,
    ) -> None:
        if webhook_url and not webhook_secret:
            raise ValueError("a webhook secret is required to sign webhooks sent to webhook_url")
        self.store = Store(public_url=public_url)
        # False: an account whose portal settings were never saved in the Dashboard, so a portal
        # session needs the id of a configuration made through the API (as real Stripe refuses it).
        self.store.portal_default_saved = portal_default_saved  # type: ignore[attr-defined]
        self.sepa_delay = sepa_delay
        self._timers: list[threading.Timer] = []
        self.dispatcher: WebhookDispatcher | None = None
        if webhook_url:
            self.dispatcher = WebhookDispatcher(
                webhook_url,
                webhook_secret,  # type: ignore[arg-type]
                retry_schedule,
                webhook_timeout,  # type: ignore[arg-type]
                on_delivered=self.store.event_delivered,
            )
            self.store.webhooks_enabled = True
            self.store.listeners.append(self.dispatcher.enqueue)
        self.store.processing_hooks.append(self._schedule_settlement)
        # (method, path) -> how many answers to lose still (POST /_sandbox/faults/lose-answers).
        self.lost_answers: dict[tuple[str, str], int] = {}

    def lose_answers(self, method: str, path: str, count: int) -> None:
        """Carry out the next `count` API requests to `method path` but drop their answers."""
        with self.store.lock:
            if count > 0:
                self.lost_answers[(method.upper(), path)] = count
            else:
                self.lost_answers.pop((method.upper(), path), None)

    def take_lost_answer(self, method: str, path: str) -> bool:
        """Whether the answer to this request is to be lost (counting it)."""
        with self.store.lock:
            left = self.lost_answers.get((method, path), 0)
            if left <= 0:
                return False
            self.lost_answers[(method, path)] = left - 1
            return True

    def expire_due(self) -> None:
        with self.store.lock:
            checkout_flow.expire_due(self.store)

    def _schedule_settlement(self, pi_id: str) -> None:
        # A negative or absent delay leaves settlement to POST /_sandbox/payment_intents/<id>/settle.
        if self.sepa_delay is None or self.sepa_delay < 0:
            return
        timer = threading.Timer(self.sepa_delay, self._settle_later, (pi_id, self.store.generation))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _settle_later(self, pi_id: str, generation: int) -> None:
        with self.store.lock:
            pi = self.store.find(pi_id)
            if generation != self.store.generation or pi is None or pi["status"] != "processing":
                return  # reset since, or already settled through the control endpoint
            try:
                checkout_flow.settle_intent(self.store, pi)
            except Exception:  # a timer thread has nobody to report to but the log
                log.exception("settling %s failed", pi_id)

    def webhook_status(self) -> dict:
        if self.dispatcher is None:
            return {
                "url": None,
                "paused": False,
                "pending": 0,
                "delivered": 0,
                "failed_attempts": 0,
                "abandoned": 0,
                "recent": [],
            }
        return self.dispatcher.status()

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Block until every queued webhook was delivered or abandoned."""
        return self.dispatcher.wait_idle(timeout) if self.dispatcher else True

    def reset(self) -> None:
        with self.store.lock:
            for timer in self._timers:
                timer.cancel()
            self._timers = []
            self.lost_answers.clear()
            self.store.reset()
            if self.dispatcher:
                self.dispatcher.reset()

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self.dispatcher:
            self.dispatcher.stop()


def create_sandbox_app(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    public_url: str | None = None,
    sepa_delay: float | None = 3.0,
    retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
    webhook_timeout: float = 10.0,
    portal_default_saved: bool = True,
) -> Flask:
    """A Flask app serving the Stripe API subset, the hosted pages and /_sandbox controls."""
    app = Flask("stripe_sandbox")
    app.extensions["stripe_sandbox"] = Sandbox(
        webhook_url, webhook_secret, public_url, sepa_delay, retry_schedule, webhook_timeout, portal_default_saved
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(hosted.bp)
    app.register_blueprint(control.bp)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_served(error):
        if request.path.startswith(("/v1/", "/_sandbox/")):
            return unrecognized_url()
        return error

    @app.errorhandler(500)
    def server_error(error):
        if request.path.startswith(("/v1/", "/_sandbox/")):
            return json_response(
                {
                    "error": {
                        "type": "api_error",
                        "message": "An unexpected error occurred in the Stripe sandbox; see its log.",
                    }
                },
                500,
            )
        return error

    @app.get("/")
    def index():
        return json_response(
            {
                "sandbox": "stripe",
                "api": "/v1",
                "control": "/_sandbox",
                "webhooks": app.extensions["stripe_sandbox"].webhook_status()["url"],
            }
        )

    return app


class SandboxHandle:
    """A sandbox served from a background thread: ``url``, ``sandbox``, ``stop()``."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.app = app
        self.sandbox: Sandbox = app.extensions["stripe_sandbox"]
        self._server = make_server(host, port, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        if self.sandbox.store.public_url is None:
            self.sandbox.store.public_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, stop the webhook thread and the timers."""
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()
        self.sandbox.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_in_thread(
    app_or_options: Flask | dict | None = None, host: str = "127.0.0.1", port: int = 0
) -> SandboxHandle:
    """Serve a sandbox (an app, or options for create_sandbox_app) on ``host:port`` (0: a free port)."""
    if isinstance(app_or_options, Flask):
        app = app_or_options
    else:
        app = create_sandbox_app(**(app_or_options or {}))
    return SandboxHandle(app, host, port)
