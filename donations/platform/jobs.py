"""Background work: emails and PDFs after a commit, and the January batch.

With CELERY_BROKER_URL set, jobs go to Celery workers (`donations.platform.worker`).
Without a broker (inline mode), a job asked for during a request runs after
the answer, in one background thread of the process, so a donor or Stripe
never waits on a mail server; a job asked for by a command runs at once. Either
way it is retried a few times on failure. What a job leaves undone stays
visible in the database (a receipt not yet emailed), so `flask receipts
send-pending` can finish it later; nothing is lost.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any, Callable

from flask import Flask, current_app, has_request_context

log = logging.getLogger(__name__)

INLINE_RETRY_DELAYS = (0.2, 0.5)
# At exit (a gunicorn worker recycled or stopped), queued jobs get this long to finish; what is
# left stays pending in the database.
EXIT_GRACE_SECONDS = 10.0

_JOBS: dict[str, Callable[..., Any]] = {}
# Jobs whose arguments must never reach a log (a live sign-in token, an email address).
_SECRET_ARGS: set[str] = set()


def job(name: str, *, secret_args: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a job that can be queued by name; `secret_args` keeps its arguments out of logs."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _JOBS[name] = function
        if secret_args:
            _SECRET_ARGS.add(name)
        return function

    return register


def described(name: str, args: tuple[Any, ...]) -> str:
    """How logs name a job: with its arguments, unless they are secret."""
    return f"{name}(…)" if name in _SECRET_ARGS else f"{name}{args!r}"


def _register_jobs() -> None:
    import donations.receipting.batch  # noqa: F401  (the January batch's chunks)
    import donations.gift_notices  # noqa: F401  (a gift started, a debit failed)
    import donations.platform.mail  # noqa: F401  (the emails)
    import donations.receipting.service  # noqa: F401  (drawing and storing the PDFs)


def run_registered(name: str, *args: Any) -> None:
    """Run a registered job once (a worker calls this)."""
    _register_jobs()
    _JOBS[name](*args)


def _run_with_retries(name: str, args: tuple[Any, ...]) -> None:
    """Run the job now, retrying; failures are logged, never raised (the work stays pending)."""
    _register_jobs()
    function = _JOBS[name]
    for attempt, delay in enumerate((*INLINE_RETRY_DELAYS, None), start=1):
        try:
            function(*args)
            return
        except Exception:
            from donations.extensions import db

            db.session.rollback()  # leave no half-done change for the next job
            log.warning("job %s failed (attempt %d)", described(name, args), attempt, exc_info=True)
            if delay is None:
                log.error("job %s gave up; it stays pending", described(name, args))
                return
            time.sleep(delay)


class AfterResponseJobs:
    """The inline mode's jobs asked for by requests: run one at a time by a thread of this process.

    The thread is started on first use (after gunicorn forks its workers), each
    job in an application context of its own. `wait_until_idle` lets a caller
    (a test, a graceful stop) wait for what is queued to be done.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._queue: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._unfinished = 0
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def submit(self, name: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._unfinished += 1
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._work, name="after-response-jobs", daemon=True)
                self._thread.start()
                atexit.register(self.wait_until_idle, EXIT_GRACE_SECONDS)
        self._queue.put((name, args))

    def _work(self) -> None:
        while True:
            name, args = self._queue.get()
            try:
                with self.app.app_context():
                    _run_with_retries(name, args)
            except Exception:  # an app context that cannot even start: the work stays pending
                log.exception("job %s could not run", described(name, args))
            finally:
                with self._lock:
                    self._unfinished -= 1
                    self._idle.notify_all()

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted job has run; False if some still run after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)


def after_response_jobs(app: Flask) -> AfterResponseJobs:
    """The app's runner of after-the-response jobs (inline mode)."""
    runner = app.extensions.get("after_response_jobs")
    if runner is None:
        with _CREATION:
            runner = app.extensions.setdefault("after_response_jobs", AfterResponseJobs(app))
    return runner  # type: ignore[no-any-return]


_CREATION = threading.Lock()


def wait_for_inline_jobs(app: Flask, timeout: float = 10.0) -> bool:
    """Wait for the jobs requests have left to run in the background (inline mode); True when none is left."""
    runner = app.extensions.get("after_response_jobs")
    return runner is None or runner.wait_until_idle(timeout)


def enqueue(name: str, *args: Any) -> None:
    """Queue the job for the Celery workers, or run it inline: after the answer during a request,
    at once otherwise (a command). Retried; failures are logged, never raised: what a job leaves
    undone stays pending in the database.
    """
    celery = current_app.extensions.get("celery")
    if celery is not None:
        try:
            celery.send_task("donations.run_job", args=[name, *args])
            return
        except Exception:
            log.exception("job %s could not be queued; running it inline", described(name, tuple(args)))
    if has_request_context():
        after_response_jobs(current_app._get_current_object()).submit(name, args)  # type: ignore[attr-defined]
        return
    _run_with_retries(name, args)
