"""With a broker, the January batch's recaps are drawn and emailed by two real Celery workers in
parallel, a chunk each over one SMTP connection, to a real local server (aiosmtpd) that counts
connections (on a Redis database of the test's own, tests/support/redis_databases.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from donations.clock import paris_date, utcnow
from donations.receipting.delivery import DELIVERY_CHUNK
from tests.support.bulk import make_monthly_donors
from tests.support.celery_workers import CeleryWorkers
from tests.support.mailbox import CountingMailbox, counting_smtp_server

ROOT = Path(__file__).resolve().parents[2]
YEAR = paris_date(utcnow()).year - 1
CHUNKS = 3
DONORS = DELIVERY_CHUNK * CHUNKS


def counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT count(pdf_sha256), count(emailed_at) FROM receipt")).one())  # type: ignore[return-value]


def test_two_workers_draw_and_email_the_recaps_a_chunk_each_over_one_connection(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    engine = sa.create_engine(database_url)
    make_monthly_donors(engine, DONORS, year=YEAR)
    mailbox = CountingMailbox()
    with counting_smtp_server(mailbox) as port:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "delivery-workers-test",
            "FLASK_ENV_NAME": "development",
            "STRIPE_API_BASE": "http://127.0.0.1:9",
            "STRIPE_WEBHOOK_SECRET": "whsec_test_suite",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "CELERY_BROKER_URL": redis_url,
            "RECEIPTS_DIR": str(tmp_path / "receipts"),
        }
        workers = CeleryWorkers(env, tmp_path, 2)
        try:
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "receipts", "annual", "--year", str(YEAR)]
            queued = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert f"{DONORS} donor(s) queued for {YEAR} in 1 chunk(s)" in queued.stdout, queued.stdout + queued.stderr
            deadline = time.monotonic() + 240
            while counts(engine) != (DONORS, DONORS):
                workers.alive()
                assert time.monotonic() < deadline, f"{counts(engine)} of {DONORS}\n" + workers.tail()
                time.sleep(0.2)
            assert mailbox.wait_for(DONORS) == DONORS
            # One issuing job, then a delivery job per chunk: both workers took some of them.
            received = [worker.jobs_received for worker in workers.workers]
            assert sum(received) == 1 + CHUNKS and min(received) >= 1, received
        finally:
            workers.stop()
    engine.dispose()
    assert len(set(mailbox.recipients)) == len(mailbox.recipients) == DONORS
    assert mailbox.connections == CHUNKS  # one per chunk, not one per email
