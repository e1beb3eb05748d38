"""Background work: emails and PDFs after a commit, and the January batch.

With CELERY_BROKER_URL set, jobs go to Celery workers (`donations.worker`).
Without a broker, a job runs inline, right after the transaction that asked
for it has committed, and is retried a few times on failure. What a job
leaves undone stays visible in the database (a receipt not yet emailed), so
`flask receipts send-pending` can finish it later; nothing is lost.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from flask import current_app

log = logging.getLogger(__name__)

INLINE_RETRY_DELAYS = (0.2, 0.5)

_JOBS: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a job that can be queued by name."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _JOBS[name] = function
        return function

    return register


def _register_jobs() -> None:
    import donations.annual_batch  # noqa: F401  (the January batch's chunks)
    import donations.mail  # noqa: F401  (the emails)
    import donations.receipting  # noqa: F401  (drawing and storing the PDFs)


def run_registered(name: str, *args: Any) -> None:
    """Run a registered job once (a worker calls this)."""
    _register_jobs()
    _JOBS[name](*args)


def enqueue(name: str, *args: Any) -> None:
    """Queue the job for the Celery workers, or run it now (inline), retrying.

    Failures are logged, never raised: what a job leaves undone stays pending
    in the database.
    """
    celery = current_app.extensions.get("celery")
    if celery is not None:
        try:
            celery.send_task("donations.run_job", args=[name, *args])
            return
        except Exception:
            log.exception("job %s%r could not be queued; running it inline", name, args)
    _register_jobs()
    function = _JOBS[name]
    for attempt, delay in enumerate((*INLINE_RETRY_DELAYS, None), start=1):
        try:
            function(*args)
            return
        except Exception:
            from donations.extensions import db

            db.session.rollback()  # leave no half-done change for the next job
            log.warning("job %s%r failed (attempt %d)", name, args, attempt, exc_info=True)
            if delay is None:
                log.error("job %s%r gave up; it stays pending", name, args)
                return
            time.sleep(delay)
