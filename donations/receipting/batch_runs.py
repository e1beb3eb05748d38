"""The record of each January batch run (`flask receipts annual`), for the operators' alerts.

A run is recorded as running when it starts, with the number of chunks it plans; each
chunk counts itself done in the transaction that commits its recaps (in this process
or in a Celery worker), and the chunk that completes the count marks the run succeeded.
A run that raises, or a chunk that fails in a worker (Celery retries it), marks the run
failed with the error; `flask operations alerts` tells the admins.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session

from donations.clock import utcnow
from donations.models import AnnualBatchRun, BatchRunStatus

log = logging.getLogger(__name__)

_RUNS = AnnualBatchRun.__table__


def start_run(session: Session, year: int, chunks: int) -> int | None:
    """Record a run starting with `chunks` chunks to issue; commits. A run with nothing to do has succeeded.

    The record is for the alerts: when it cannot be written (the database busy past its wait),
    the batch runs anyway, unrecorded (None), and says so in the log.
    """
    now = utcnow()
    run = AnnualBatchRun(
        year=year,
        status=BatchRunStatus.RUNNING if chunks else BatchRunStatus.SUCCEEDED,
        started_at=now,
        finished_at=None if chunks else now,
        chunks=chunks,
    )
    session.add(run)
    try:
        session.commit()
    except Exception:
        session.rollback()
        log.warning("the annual batch run for %s could not be recorded; it runs unrecorded", year, exc_info=True)
        return None
    return run.id


def count_chunk(session: Session, run_id: int, issued: int) -> None:
    """Count a chunk done (its caller commits, with the chunk's recaps); the last one ends the run."""
    session.execute(
        update(_RUNS)  # type: ignore[arg-type]
        .where(_RUNS.c.id == run_id)
        .values(chunks_done=_RUNS.c.chunks_done + 1, issued=_RUNS.c.issued + issued)
    )
    session.execute(
        update(_RUNS)  # type: ignore[arg-type]
        .where(_RUNS.c.id == run_id, _RUNS.c.chunks_done >= _RUNS.c.chunks)
        .values(status=BatchRunStatus.SUCCEEDED.value, finished_at=utcnow(), error=None)
    )


def record_failure(session: Session, run_id: int, error: BaseException) -> None:
    """Mark the run failed with `error`, in a transaction of its own (what failed was rolled back)."""
    session.rollback()
    try:
        session.execute(
            update(_RUNS)  # type: ignore[arg-type]
            .where(_RUNS.c.id == run_id)
            .values(status=BatchRunStatus.FAILED.value, finished_at=utcnow(), error=repr(error)[:2000])
        )
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the failure of annual batch run %s", run_id)
