"""The January batch on PostgreSQL with 2 Celery workers, against the same batch inline, in the same run.

D monthly donors (default 100 000) with 12 settled payments each (1.2 million
payments for 100 000), bulk-inserted into a database of its own
(`bench_annual_<pid>`, created and dropped here, on the server of TEST_DATABASE_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test; never the test
database itself). Then, as operations would run it:

- inline (the anchor): `flask receipts annual --year 2025 --no-email` without a broker;
  wall time from launch to exit, and the command's peak memory (VmHWM);
- the receipts emptied, then with workers: 2 `celery -A wsgi:celery worker
  --pool=solo` processes on Redis (TEST_REDIS_URL's server, a database no other run or
  test holds, claimed as tests/support/redis_databases.py claims them), and the same
  command with CELERY_BROKER_URL queueing the chunks; wall time from launch to the last chunk committed (all D recaps in the database), peak memory of each worker
  (VmHWM, read before they stop) and of the queueing command.

Each run is checked: D recaps, numbers 1..D, 12 payments on each.

Statistics: PostgreSQL plans the batch's queries from the statistics of the
receipt tables, which autovacuum refreshes as they grow (about once a minute by
default). Where autovacuum is off (the CI configuration of this machine), this
bench stands in for it: `ANALYZE receipt, receipt_payment` every
--analyze-every seconds (default 60, autovacuum's naptime; 0: never) while a
batch runs. Without it the planner keeps believing the receipt table empty and
each chunk's "not yet on a recap" check gets slower with every recap issued.

    PYTHONPATH=. .venv/bin/python bench/annual_batch_workers.py [DONORS]   (target: <= 120 s, <= 400 MB for 100 000)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.databases import scratch_postgres
from tests.support.bulk import make_monthly_donors
from tests.support.celery_workers import CeleryWorkers, vm_hwm_mb
from tests.support.redis_databases import claimed_database

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
YEAR = 2025
DEADLINE = 1800  # seconds for any one run


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from donations import create_app
    from donations.extensions import db

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "STRIPE_API_BASE": "http://127.0.0.1:9"}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command to its end: wall seconds, its peak memory (MB), its output.

    The peak is the process's VmHWM, read every 20 ms while it runs (the last reading before it
    exits): the max RSS that wait4 reports would count the copy of this (large) process the child
    was forked from before it exec'd.
    """
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + DEADLINE
        peak = 0.0
        while process.poll() is None:
            with contextlib.suppress(OSError, RuntimeError):  # exiting
                peak = vm_hwm_mb(process.pid)
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"{command} still running after {DEADLINE} s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return elapsed, peak, output


def issued(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM receipt")).scalar_one()


def check(engine: sa.Engine, donors: int, label: str) -> None:
    with engine.connect() as conn:
        sequences = conn.execute(sa.text("SELECT sequence FROM receipt ORDER BY sequence")).scalars().all()
        per_donor = conn.execute(sa.text("SELECT count(DISTINCT donor_id) FROM receipt")).scalar_one()
        listed, distinct = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT payment_id) FROM receipt_payment")
        ).one()
    assert sequences == list(range(1, donors + 1)), f"{label}: receipt numbers are not 1..{donors}"
    assert per_donor == donors and listed == distinct == donors * 12, (
        f"{label}: {per_donor} donors, {listed}/{distinct} payments"
    )


def vacuum(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


class Autoanalyze(threading.Thread):
    """What autovacuum would do for the receipt tables while a batch runs, where it is off."""

    def __init__(self, engine: sa.Engine, every: float) -> None:
        super().__init__(name="autoanalyze", daemon=True)
        self.engine = engine
        self.every = every
        self.done = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while not self.done.wait(self.every):
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE receipt, receipt_payment"))
            self.runs += 1

    def __enter__(self) -> Autoanalyze:
        if self.every > 0:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.is_alive():
            self.join(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("donors", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--analyze-every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="where autovacuum is off, ANALYZE the receipt tables this often during a batch (0: never)",
    )
    args = parser.parse_args()
    donors = args.donors
    logging.disable(logging.INFO)
    with claimed_database("bench_annual_batch_workers") as broker_url, scratch_postgres("bench_annual") as bench_url:
        engine = sa.create_engine(bench_url)
        workers = None
        try:
            with engine.connect() as conn:
                autovacuum = conn.execute(sa.text("SHOW autovacuum")).scalar_one() == "on"
            analyze_every = 0.0 if autovacuum else args.analyze_every
            with tempfile.TemporaryDirectory() as tmp:
                migrate(bench_url)
                started = time.perf_counter()
                make_monthly_donors(engine, donors, year=YEAR)
                vacuum(engine)
                print(
                    f"data: {donors} donors, {donors * 12} payments inserted in {time.perf_counter() - started:.1f} s "
                    f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)",
                    flush=True,
                )
                env = {
                    **os.environ,
                    "PYTHONPATH": str(ROOT),
                    "DATABASE_URL": bench_url,
                    "SECRET_KEY": "bench-annual-batch-0123456789abcdef",
                    "FLASK_ENV_NAME": "development",
                    "STRIPE_SECRET_KEY": "",
                    "STRIPE_API_BASE": "http://127.0.0.1:9",
                    "STRIPE_WEBHOOK_SECRET": "whsec_bench",
                    "MAIL_SERVER": "",
                    "RECEIPTS_DIR": f"{tmp}/receipts",
                    "LOG_LEVEL": "WARNING",
                    "CELERY_BROKER_URL": "",
                }
                command = [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "wsgi",
                    "receipts",
                    "annual",
                    "--year",
                    str(YEAR),
                    "--no-email",
                ]

                with Autoanalyze(engine, analyze_every):
                    inline_seconds, inline_mb, output = run_measured(command, env)
                assert f"{donors} annual receipt(s) issued" in output, output[-2000:]
                check(engine, donors, "inline")
                print(f"inline: {inline_seconds:.1f} s, {inline_mb:.0f} MB", flush=True)

                with engine.begin() as conn:
                    conn.execute(sa.text("TRUNCATE receipt_payment, receipt, receipt_sequence CASCADE"))
                vacuum(engine)
                env["CELERY_BROKER_URL"] = broker_url
                workers = CeleryWorkers(env, Path(tmp), WORKERS, prefix="bench")
                with Autoanalyze(engine, analyze_every):
                    started = time.perf_counter()
                    queue_seconds, queue_mb, output = run_measured(command, env)
                    assert f"{donors} donor(s) queued" in output, output[-2000:]
                    deadline = time.monotonic() + DEADLINE
                    while issued(engine) < donors:
                        workers.alive()
                        if time.monotonic() > deadline:
                            raise SystemExit(f"the workers did not finish within {DEADLINE} s\n" + workers.tail())
                        time.sleep(0.1)
                    workers_seconds = time.perf_counter() - started
                worker_mb = workers.peak_mb()
                workers.stop()
                workers = None
                check(engine, donors, "workers")
        finally:
            if workers is not None:
                workers.stop()
            engine.dispose()
    stats = (
        "autovacuum on"
        if autovacuum
        else (f"autovacuum off: ANALYZE every {analyze_every:.0f} s" if analyze_every else "autovacuum off, no ANALYZE")
    )
    print(f"annual batch, {donors} donors ({donors * 12} payments), PostgreSQL ({stats}), {os.cpu_count()} cores")
    print(
        f"inline (anchor)             : {inline_seconds:8.1f} s ({donors / inline_seconds:,.0f} recaps/s)   peak {inline_mb:5.0f} MB"
    )
    print(
        f"{WORKERS} Celery workers            : {workers_seconds:8.1f} s ({donors / workers_seconds:,.0f} recaps/s)   "
        f"peak {max(worker_mb):5.0f} MB per worker ({', '.join(f'{mb:.0f}' for mb in worker_mb)}), "
        f"queueing {queue_mb:.0f} MB in {queue_seconds:.1f} s"
    )
    print(
        f"ratio inline / workers      : {inline_seconds / workers_seconds:8.2f}   (target for 100 000: <= 120 s, <= 400 MB)"
    )


if __name__ == "__main__":
    main()
