"""The January batch for many monthly donors: wall time and peak memory.

The anchor, measured in the same run, is a plain read of the same payments
(one SELECT of every payment of the year, grouped by donor in Python): the
least any batch must do. The figure is the batch's time, issuing every recap
(numbers, frozen snapshots, rows; PDFs are drawn later by the email jobs).

    PYTHONPATH=. .venv/bin/python bench/annual_batch.py [DONORS]   (default 100 000; target <= 120 s, <= 400 MB)
"""

from __future__ import annotations

import logging
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from donations import create_app
from donations.extensions import db
from donations.models import Donation, Payment, Receipt
from donations.receipting import batch as annual_batch
from tests.support.bulk import make_monthly_donors


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(donors: int) -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                "RECEIPTS_DIR": f"{tmp}/r",
            }
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            make_monthly_donors(db.engine, donors)
            print(f"data: {donors} donors, {donors * 12} payments inserted in {time.perf_counter() - started:.1f} s")
            before = peak_mb()

            started = time.perf_counter()
            grouped: dict[int, int] = defaultdict(int)
            for donor_id, amount in db.session.execute(
                sa.select(Donation.donor_id, Payment.amount_cents).join(Donation, Payment.donation_id == Donation.id)
            ):
                grouped[donor_id] += amount
            anchor = time.perf_counter() - started
            del grouped

            started = time.perf_counter()
            due, _waiting = annual_batch.plan(2025)
            issued = annual_batch.run_inline(2025, due, email=False)
            batch = time.perf_counter() - started
            assert issued == donors == db.session.scalar(sa.select(sa.func.count()).select_from(Receipt))
    print(
        f"annual batch, inline, SQLite     : {batch:8.1f} s for {donors} recaps ({donors / batch:,.0f} /s)   target <= 120 s for 100 000"
    )
    print(f"anchor: reading the same payments: {anchor:8.1f} s")
    print(f"ratio anchor / batch             : {anchor / batch:8.2f}")
    print(
        f"peak memory (process)            : {peak_mb():8.0f} MB (before the batch: {before:.0f} MB)   target <= 400 MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
