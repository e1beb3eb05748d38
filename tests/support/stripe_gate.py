"""A Stripe that answers some reads only when the test says so: the sandbox behind a gate.

Requests are passed on to the sandbox as they come, except those whose path
starts with a held prefix: each of those waits at the gate until the test
lets it through, so a test can hold a webhook inside its read of Stripe and
send other events meanwhile.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask, Response, request

from tests.support.network import ServerThread, free_port

# Long enough for any test run; a gate never left shut hangs nothing for ever.
LONGEST_HOLD = 60.0


class StripeGate:
    """The sandbox at `target`, served at `url`, holding the reads under `held_prefix` until `release`d."""

    def __init__(self, target: str, held_prefix: str) -> None:
        self.target, self.held_prefix = target.rstrip("/"), held_prefix
        self._open = threading.Event()
        self._waiting = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.held = 0  # how many requests came to the gate
        self.passing_first = 0  # how many of the next held requests pass without waiting
        app = Flask(__name__)
        app.add_url_rule("/<path:path>", view_func=self._pass_on, methods=["GET", "POST", "DELETE"])
        self._server = ServerThread(app, free_port())
        self.url = self._server.url

    def _pass_on(self, path: str) -> Response:
        if f"/{path}".startswith(self.held_prefix):
            with self._lock:
                self.held += 1
                waits = self.passing_first <= 0
                self.passing_first -= 1
            if waits:
                self._waiting.release()
                self._open.wait(LONGEST_HOLD)
        answer = requests.request(
            request.method,
            f"{self.target}/{path}",
            params=list(request.args.items(multi=True)),
            data=request.get_data(),
            headers={k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")},
            timeout=30,
        )
        return Response(answer.content, status=answer.status_code, content_type=answer.headers.get("Content-Type"))

    def wait_for_held(self, count: int = 1) -> None:
        """Return once `count` requests are waiting at the gate (raises if they never come)."""
        for _ in range(count):
            if not self._waiting.acquire(timeout=LONGEST_HOLD):
                raise AssertionError("no request came to the gate")

    def let_next_pass(self, count: int = 1) -> None:
        """The next `count` held requests go through at once, the gate staying shut for the others."""
        with self._lock:
            self.passing_first = count

    def release(self) -> None:
        self._open.set()

    def close(self, *_exc: Any) -> None:
        self.release()
        self._server.stop()
