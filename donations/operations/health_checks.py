"""What GET /healthz checks: the database, the broker (when one is set) and the receipts' storage.

Each check runs in a thread of its own and is waited for at most `CHECK_SECONDS`: a
database or a broker that stops answering (a black-holed address, a lock held) makes
the check fail in time instead of holding the load balancer's probe. A check still
running from an earlier probe is not started again beside it: the probe fails at once
naming it, so a stuck dependency never piles threads up.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from donations.operations import broker

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
OK = "ok"
# Connecting and answering each get this long, within the check's bound.
BROKER_SECONDS = 1.5


@dataclass(frozen=True)
class CheckResult:
    name: str
    state: str  # "ok", or why it failed in a few words (never a secret: the answer is public)

    @property
    def ok(self) -> bool:
        return self.state == OK


def _in_a_thread(name: str, check: Callable[[], None]) -> Future[None]:
    """Run `check` in a daemon thread: one stuck on a dead address never holds the process's exit."""
    future: Future[None] = Future()

    def work() -> None:
        try:
            check()
        except BaseException as error:
            future.set_exception(error)
        else:
            future.set_result(None)

    threading.Thread(target=work, name=f"healthz-{name}", daemon=True).start()
    return future


class BoundedChecks:
    """Runs each named check in a thread of its own and waits for it at most `CHECK_SECONDS`."""

    def __init__(self) -> None:
        self._running: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def run_all(
        self, wanted: list[tuple[str, Callable[[], None]]], timeout: float = CHECK_SECONDS
    ) -> list[CheckResult]:
        """Start every check, then wait for them together, `timeout` seconds at most in all."""
        started: dict[str, Future[None] | None] = {}
        with self._lock:
            for name, check in wanted:
                previous = self._running.get(name)
                if previous is not None and not previous.done():
                    started[name] = None  # one stuck check per name at most
                else:
                    started[name] = self._running[name] = _in_a_thread(name, check)
        deadline = time.monotonic() + timeout
        return [self._outcome(name, started[name], deadline) for name, _check in wanted]

    @staticmethod
    def _outcome(name: str, future: Future[None] | None, deadline: float) -> CheckResult:
        if future is None:
            return CheckResult(name, "timeout (an earlier check still waits)")
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            log.warning("health check %s took too long", name)
            return CheckResult(name, "timeout")
        except Exception as error:
            log.warning("health check %s failed: %s", name, error)
            return CheckResult(name, f"failing ({type(error).__name__})")
        return CheckResult(name, OK)


def database_answers(engine: Engine) -> Callable[[], None]:
    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    return check


def broker_answers(url: str) -> Callable[[], None]:
    return lambda: broker.ping(url, BROKER_SECONDS)


def storage_usable(directory: str) -> Callable[[], None]:
    """RECEIPTS_DIR can be made, written, read back and cleaned, as storing a receipt PDF does."""

    def check() -> None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".healthz-{os.getpid()}-{threading.get_ident()}"
        content = b"healthz probe\n"
        try:
            probe.write_bytes(content)
            if probe.read_bytes() != content:
                raise OSError("the probe file read back differs")
        finally:
            probe.unlink(missing_ok=True)

    return check


def run_checks(checks: BoundedChecks, engine: Engine, config: Any) -> list[CheckResult]:
    """Every check the service's configuration calls for, run side by side, each bounded."""
    wanted: list[tuple[str, Callable[[], None]]] = [("database", database_answers(engine))]
    if config.get("CELERY_BROKER_URL"):
        wanted.append(("broker", broker_answers(str(config["CELERY_BROKER_URL"]))))
    wanted.append(("receipts_storage", storage_usable(str(config["RECEIPTS_DIR"]))))
    return checks.run_all(wanted)
