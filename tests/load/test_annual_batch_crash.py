"""A January batch killed with SIGKILL half-way, then run again: no recap missing,
doubled or skipped, and the numbers run on without a gap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from donations.models import Receipt, receipt_payment
from tests.load.bulk import make_monthly_donors

ROOT = Path(__file__).resolve().parents[2]
DONORS = 2500


def test_batch_killed_mid_way_then_rerun_issues_each_recap_once(database_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(database_url)
    make_monthly_donors(engine, DONORS)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "batch-test",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_WEBHOOK_SECRET": "whsec_batch",
        "RECEIPTS_DIR": str(tmp_path / "receipts"),
        "CELERY_BROKER_URL": "",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "receipts", "annual", "--year", "2026", "--no-email"]
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    count = sa.select(sa.func.count()).select_from(Receipt)
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while conn.execute(count).scalar_one() == 0 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
            conn.rollback()
    first.send_signal(signal.SIGKILL)
    first.wait()
    with engine.connect() as conn:
        after_kill = conn.execute(count).scalar_one()
    assert 0 < after_kill < DONORS, "the batch should have been killed part-way"

    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{DONORS - after_kill} annual receipt(s) issued" in second.stdout

    with engine.connect() as conn:
        sequences = conn.execute(sa.select(Receipt.sequence).order_by(Receipt.sequence)).scalars().all()
        donors_with_recaps = conn.execute(sa.select(sa.func.count(sa.distinct(Receipt.donor_id)))).scalar_one()
        payments_listed = conn.execute(sa.select(sa.func.count()).select_from(receipt_payment)).scalar_one()
        distinct_payments = conn.execute(sa.select(sa.func.count(sa.distinct(receipt_payment.c.payment_id)))).scalar_one()
    engine.dispose()
    assert sequences == list(range(1, DONORS + 1))
    assert donors_with_recaps == DONORS
    assert payments_listed == distinct_payments == DONORS * 12
