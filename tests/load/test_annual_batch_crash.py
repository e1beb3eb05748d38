"""A January batch killed with SIGKILL half-way, then run again: no recap missing,
doubled or skipped, and the numbers run on without a gap.

Inline, the `receipts annual` command itself is killed. With Celery, a worker
is killed in the middle of a chunk; a worker started in its place takes the
other chunks, and the batch run again queues what the dead one left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from donations.models import Donation, Receipt, receipt_payment
from donations.receipting.batch import CHUNK_SIZE
from tests.support.bulk import make_monthly_donors
from tests.support.celery_workers import CeleryWorker

ROOT = Path(__file__).resolve().parents[2]
DONORS = 2500
COMMAND = [sys.executable, "-m", "flask", "--app", "wsgi", "receipts", "annual", "--year", "2025", "--no-email"]
pytestmark = pytest.mark.slow


def batch_env(database_url: str, tmp_path: Path, broker: str = "") -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "batch-test",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_WEBHOOK_SECRET": "whsec_batch",
        "RECEIPTS_DIR": str(tmp_path / "receipts"),
        "CELERY_BROKER_URL": broker,
    }


def issued(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Receipt)).scalar_one()


def assert_each_recap_once(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        sequences = conn.execute(sa.select(Receipt.sequence).order_by(Receipt.sequence)).scalars().all()
        donors_with_recaps = conn.execute(sa.select(sa.func.count(sa.distinct(Receipt.donor_id)))).scalar_one()
        payments_listed = conn.execute(sa.select(sa.func.count()).select_from(receipt_payment)).scalar_one()
        distinct_payments = conn.execute(
            sa.select(sa.func.count(sa.distinct(receipt_payment.c.payment_id)))
        ).scalar_one()
    assert sequences == list(range(1, DONORS + 1))
    assert donors_with_recaps == DONORS
    assert payments_listed == distinct_payments == DONORS * 12


def test_batch_killed_mid_way_then_rerun_issues_each_recap_once(database_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(database_url)
    make_monthly_donors(engine, DONORS)
    env = batch_env(database_url, tmp_path)
    first = subprocess.Popen(COMMAND, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while issued(engine) == 0 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    after_kill = issued(engine)
    assert 0 < after_kill < DONORS, "the batch should have been killed part-way"

    second = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{DONORS - after_kill} annual receipt(s) issued" in second.stdout
    assert_each_recap_once(engine)
    engine.dispose()


def test_worker_killed_mid_chunk_then_batch_rerun_issues_each_recap_once(
    redis_url: str, database_url: str, tmp_path: Path
) -> None:
    import redis

    broker = redis.Redis.from_url(redis_url)  # a database of the test's own, emptied (tests/support/redis_databases.py)
    engine = sa.create_engine(database_url)
    make_monthly_donors(engine, DONORS)
    env = batch_env(database_url, tmp_path, redis_url)
    with engine.connect() as conn:
        first_chunk = (
            conn.execute(sa.text("SELECT id FROM donor ORDER BY id LIMIT :n"), {"n": CHUNK_SIZE}).scalars().all()
        )

    # The test holds the first chunk's gifts, so the worker that takes that chunk is caught in
    # the middle of it (it waits for them, as it would for a refund being applied) when killed.
    holder = engine.connect()
    if engine.dialect.name == "postgresql":
        holder.execute(sa.select(Donation.id).where(Donation.donor_id.in_(first_chunk)).with_for_update())
    else:
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    doomed = CeleryWorker(env, tmp_path / "doomed.log", "doomed")
    replacement = None
    try:
        queued = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert f"{DONORS} donor(s) queued for 2025 in {DONORS // CHUNK_SIZE} chunk(s)" in queued.stdout, (
            queued.stdout + queued.stderr
        )
        # Killed inside the chunk: once its job is at the database, waiting for the held gifts.
        wait_for(lambda: doomed.jobs_received > 0 and at_the_held_gifts(engine, doomed), doomed, timeout=60)
        doomed.kill()
        holder.rollback()
        holder.close()
        assert issued(engine) == 0

        replacement = CeleryWorker(env, tmp_path / "replacement.log", "replacement")
        wait_for(lambda: issued(engine) == DONORS - CHUNK_SIZE, replacement)
        # Nothing more comes: the replacement finished every job it took, the queue is empty, and the
        # killed worker's chunk is the one message left unacknowledged (not done, not delivered again yet).
        wait_for(lambda: nothing_left_but_the_dead_chunk(broker, replacement), replacement, timeout=60)
        assert issued(engine) == DONORS - CHUNK_SIZE

        again = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert f"{CHUNK_SIZE} donor(s) queued for 2025 in 1 chunk(s)" in again.stdout, again.stdout + again.stderr
        wait_for(lambda: issued(engine) == DONORS, replacement)
        # What is still unacknowledged (the dead worker's chunk) would be delivered again after
        # Redis' visibility timeout: issuing it now, as that delivery would, adds nothing.
        inline = subprocess.run(
            COMMAND, cwd=ROOT, env={**env, "CELERY_BROKER_URL": ""}, capture_output=True, text=True, timeout=120
        )
        assert "0 annual receipt(s) issued for 2025." in inline.stdout, inline.stdout + inline.stderr
        assert_each_recap_once(engine)
    finally:
        if not holder.closed:
            holder.rollback()
            holder.close()
        for worker in (doomed, replacement):
            if worker is not None:
                worker.stop()
        engine.dispose()
        broker.close()


def wait_for(condition, worker: CeleryWorker, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.process.poll() is None, worker.output()[-3000:]
        assert time.monotonic() < deadline, worker.output()[-3000:]
        time.sleep(0.1)


def at_the_held_gifts(engine: sa.Engine, worker: CeleryWorker) -> bool:
    """Whether the worker's job has reached the database: waiting for a lock (PostgreSQL), or holding it open (SQLite)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        return waiting > 0
    assert engine.url.database is not None
    return worker.has_open(Path(engine.url.database))  # the worker opens the database only in a job


def nothing_left_but_the_dead_chunk(broker, worker: CeleryWorker) -> bool:  # type: ignore[no-untyped-def]
    """Celery's queue (the Redis list `celery`) is empty, the worker idle, one message unacknowledged (Kombu's `unacked`)."""
    return broker.llen("celery") == 0 and worker.jobs_finished == worker.jobs_received and broker.hlen("unacked") == 1
