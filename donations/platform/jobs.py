"""Background work: emails and PDFs after a commit, and the January batch.

A job is a plain function, passed by reference: `enqueue(send_receipt_email, receipt.id)`.
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
import importlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_request_context

log = logging.getLogger(__name__)

INLINE_RETRY_DELAYS = (0.2, 0.5)
# At exit (a gunicorn worker recycled or stopped), queued jobs get this long to finish; what is
# left stays pending in the database.
EXIT_GRACE_SECONDS = 10.0

# What a Celery message names a job by: its module and qualified name. The callers pass the
# function itself; only a worker, in another process, turns the name back into it.
Job = Callable[..., Any]


def secret_args(function: Job) -> Job:
    """Mark a job whose arguments must never reach a log (a live sign-in token, an email address)."""
    function._job_secret_args = True  # type: ignore[attr-defined]
    return function


def reference(function: Job) -> str:
    """How a Celery message names `function`: "module:qualname"."""
    return f"{function.__module__}:{function.__qualname__}"


def resolve(name: str) -> Job:
    """The job a Celery message names (see `reference`)."""
    module, _, qualname = name.partition(":")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]


def described(function: Job, args: tuple[Any, ...]) -> str:
    """How logs name a job: with its arguments, unless they are secret."""
    name = function.__qualname__
    return f"{name}(…)" if getattr(function, "_job_secret_args", False) else f"{name}{args!r}"


def _run_with_retries(function: Job, args: tuple[Any, ...]) -> None:
    """Run the job now, retrying; failures are logged, never raised (the work stays pending)."""
    for attempt, delay in enumerate((*INLINE_RETRY_DELAYS, None), start=1):
        try:
            function(*args)
            return
        except Exception:
            from donations.extensions import db

            db.session.rollback()  # leave no half-done change for the next job
            log.warning("job %s failed (attempt %d)", described(function, args), attempt, exc_info=True)
            if delay is None:
                log.error("job %s gave up; it stays pending", described(function, args))
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
        self._queue: queue.Queue[tuple[Job, tuple[Any, ...]]] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._unfinished = 0
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def submit(self, function: Job, args: tuple[Any, ...]) -> None:
        with self._lock:
            self._unfinished += 1
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._work, name="after-response-jobs", daemon=True)
                self._thread.start()
                atexit.register(self.wait_until_idle, EXIT_GRACE_SECONDS)
        self._queue.put((function, args))

    def _work(self) -> None:
        while True:
            function, args = self._queue.get()
            try:
                with self.app.app_context():
                    _run_with_retries(function, args)
            except Exception:  # an app context that cannot even start: the work stays pending
                log.exception("job %s could not run", described(function, args))
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


def enqueue(function: Job, *args: Any) -> None:
    """Queue the job for the Celery workers, or run it inline: after the answer during a request,
    at once otherwise (a command). Retried; failures are logged, never raised: what a job leaves
    undone stays pending in the database.
    """
    celery = current_app.extensions.get("celery")
    if celery is not None:
        try:
            celery.send_task("donations.run_job", args=[reference(function), *args])
            return
        except Exception:
            log.exception("job %s could not be queued; running it inline", described(function, tuple(args)))
    if has_request_context():
        after_response_jobs(current_app._get_current_object()).submit(function, args)  # type: ignore[attr-defined]
        return
    _run_with_retries(function, args)
