"""Signed webhook delivery, with retries, as Stripe does it (but with shorter waits).

One background thread sends one event at a time, oldest first. A failed
attempt (non-2xx, timeout, refused connection) is retried after the next
delay of the schedule; meanwhile later events go out, so one failing event
never holds the others back for long (Stripe does not promise order either).
After the last attempt the event is abandoned and counted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

log = logging.getLogger(__name__)

# Waits before attempts 2, 3, ...: Stripe's hours-long schedule compressed to seconds.
DEFAULT_RETRY_SCHEDULE = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class _Delivery:
    seq: int
    event_id: str
    event_type: str
    body: str
    due: float
    attempts: int = 0
    last_error: str | None = field(default=None)


class WebhookDispatcher:
    """Queue and deliver events to one endpoint from a background thread."""

    def __init__(
        self,
        url: str,
        secret: str,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        timeout: float = 10.0,
        on_delivered: Callable[[str], None] | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.retry_schedule = tuple(retry_schedule)
        self.timeout = timeout
        self.on_delivered = on_delivered
        self._cond = threading.Condition()
        self._queue: list[_Delivery] = []
        self._sending: _Delivery | None = None
        self._stopping = False
        self._generation = 0
        self._seq = 0
        self.paused = False
        self.delivered = 0
        self.failed_attempts = 0
        self.abandoned = 0
        self.recent: deque = deque(maxlen=100)
        # Proxies from the environment must never see webhook bodies: talk to the URL directly.
        self._http = requests.Session()
        self._http.trust_env = False
        self._thread = threading.Thread(target=self._run, name="stripe-sandbox-webhooks", daemon=True)
        self._thread.start()

    # -- control -----------------------------------------------------------------
    def enqueue(self, event: dict) -> None:
        """Queue an event for delivery (its JSON body is frozen now)."""
        body = json.dumps(event, indent=2, ensure_ascii=False)
        with self._cond:
            self._seq += 1
            self._queue.append(_Delivery(self._seq, event["id"], event["type"], body, time.monotonic()))
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self.paused = True

    def resume(self) -> None:
        """Send what was held, oldest first."""
        with self._cond:
            self.paused = False
            now = time.monotonic()
            for delivery in self._queue:
                delivery.due = min(delivery.due, now)
            self._cond.notify_all()

    def reset(self) -> None:
        """Drop every pending delivery and zero the counters."""
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self.paused = False
            self.delivered = self.failed_attempts = self.abandoned = 0
            self.recent.clear()
            self._cond.notify_all()

    def status(self) -> dict:
        with self._cond:
            pending = len(self._queue) + (1 if self._sending else 0)
            return {
                "url": self.url,
                "paused": self.paused,
                "pending": pending,
                "delivered": self.delivered,
                "failed_attempts": self.failed_attempts,
                "abandoned": self.abandoned,
                "recent": list(self.recent),
            }

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is pending (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._sending:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.paused:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self._http.close()

    # -- the delivery thread -------------------------------------------------------
    def _next(self) -> tuple[_Delivery, int] | None:
        with self._cond:
            while not self._stopping:
                if not self.paused and self._queue:
                    now = time.monotonic()
                    due = [d for d in self._queue if d.due <= now]
                    if due:
                        delivery = due[0]
                        self._queue.remove(delivery)
                        self._sending = delivery
                        return delivery, self._generation
                    self._cond.wait(min(d.due for d in self._queue) - now)
                else:
                    self._cond.wait()
            return None

    def _run(self) -> None:
        while True:
            picked = self._next()
            if picked is None:
                return
            delivery, generation = picked
            delivery.attempts += 1
            ok, detail = self._post(delivery)
            with self._cond:
                self._sending = None
                if generation != self._generation:
                    self._cond.notify_all()
                    continue  # a reset happened while this one was in flight
                self.recent.append(
                    {
                        "event": delivery.event_id,
                        "type": delivery.event_type,
                        "attempt": delivery.attempts,
                        "result": detail,
                    }
                )
                if ok:
                    self.delivered += 1
                else:
                    self.failed_attempts += 1
                    delivery.last_error = detail
                    if delivery.attempts <= len(self.retry_schedule):
                        delivery.due = time.monotonic() + self.retry_schedule[delivery.attempts - 1]
                        # Back in creation order, so it goes first again once due.
                        position = next(
                            (i for i, d in enumerate(self._queue) if d.seq > delivery.seq), len(self._queue)
                        )
                        self._queue.insert(position, delivery)
                    else:
                        self.abandoned += 1
                        log.warning(
                            "webhook %s (%s) abandoned after %d attempts: %s",
                            delivery.event_id,
                            delivery.event_type,
                            delivery.attempts,
                            detail,
                        )
                self._cond.notify_all()
            if ok and self.on_delivered:
                self.on_delivered(delivery.event_id)

    def _post(self, delivery: _Delivery) -> tuple[bool, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign(delivery.body, self.secret),
        }
        try:
            response = self._http.post(
                self.url,
                data=delivery.body.encode("utf-8"),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            return False, f"error: {type(error).__name__}"
        if 200 <= response.status_code < 300:
            return True, str(response.status_code)
        return False, str(response.status_code)
