"""January in minutes: N annual recaps issued, drawn, stored and emailed by 2 Celery workers.

N monthly donors (default 100 000, `--count` for a quicker run) with 12 settled
payments each, bulk-inserted into a PostgreSQL database of the bench's own
(`bench_january_<pid>` on the server of TEST_DATABASE_URL, created and dropped
here). Then, as operations would run it in January: 2 `celery -A wsgi:celery
worker --pool=solo` processes on a Redis database claimed as
tests/support/redis_databases.py claims them, and `flask receipts annual --year
2025` (emails on) queueing the chunks. The workers issue each chunk (numbers,
snapshots) and then draw, store and email its recaps, a chunk of
`DELIVERY_CHUNK` over one SMTP connection, to a real local SMTP server
(aiosmtpd, in this process) that counts connections and recipients.

The clock runs from the command's launch to the last recap marked emailed. Each
run is checked: N recaps numbered 1..N, each drawn (hash recorded), emailed
once to its donor, and the server saw one connection per delivery chunk or so.
Printed: the elapsed time, the cost per recap, and the projection for 100 000
(linear) against the target of 15 min on 2 cores with 2 workers. The machine's
load average is printed too: on a shared machine the figures are upper bounds.

    PYTHONPATH=. .venv/bin/python bench/january.py [--count N]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.annual_batch_workers import Autoanalyze, migrate, vacuum
from bench.databases import scratch_postgres
from donations.receipting.delivery import DELIVERY_CHUNK
from tests.support.bulk import make_monthly_donors
from tests.support.celery_workers import CeleryWorkers
from tests.support.mailbox import CountingMailbox, counting_smtp_server
from tests.support.redis_databases import claimed_database

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
YEAR = 2025
TARGET_SECONDS = 15 * 60
FULL = 100_000


def counts(engine: sa.Engine) -> tuple[int, int, int]:
    """(recaps issued, drawn, emailed)."""
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                sa.text("SELECT count(*), count(pdf_sha256), count(emailed_at) FROM receipt WHERE status = 'issued'")
            ).one()
        )


def check(engine: sa.Engine, mailbox: CountingMailbox, donors: int) -> None:
    with engine.connect() as conn:
        sequences = conn.execute(sa.text("SELECT sequence FROM receipt ORDER BY sequence")).scalars().all()
        problems = conn.execute(sa.text("SELECT count(*) FROM receipt WHERE pdf_problem IS NOT NULL")).scalar_one()
    assert sequences == list(range(1, donors + 1)), f"receipt numbers are not 1..{donors}"
    assert problems == 0, f"{problems} PDF problem(s) recorded"
    assert len(mailbox.recipients) == len(set(mailbox.recipients)) == donors, (
        f"{len(mailbox.recipients)} emails for {len(set(mailbox.recipients))} donors, {donors} expected"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(engine: sa.Engine) -> list[int]:
    """The PostgreSQL server processes serving the bench's database (the workers' connections)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def reference_drawing_ms() -> float:
    """CPU milliseconds this machine takes now to draw a reference recap (median of 30): 5.0 on an
    idle machine (commit cbce170), more when other work shares the cores and their caches."""
    import dataclasses
    import statistics

    from receipts.document.cerfa import draw_receipt
    from tests.support.cerfa_cases import CASES, SIGNATURE

    recap = CASES["annual_recap"]
    times = []
    for n in range(31):
        started = time.process_time()
        draw_receipt(dataclasses.replace(recap, number=f"2026-{n:06d}"), SIGNATURE)
        times.append(time.process_time() - started)
    return statistics.median(times[1:]) * 1000


IDLE_REFERENCE_MS = 5.0


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=FULL, help=f"recaps to issue and email (default {FULL})")
    parser.add_argument(
        "--analyze-every", type=float, default=60.0, metavar="SECONDS", help="as bench/annual_batch_workers.py"
    )
    args = parser.parse_args()
    donors = args.count
    logging.disable(logging.INFO)
    mailbox = CountingMailbox()
    deadline_seconds = max(1800.0, donors * 0.05)
    with (
        claimed_database("bench_january") as broker_url,
        scratch_postgres("bench_january") as url,
        counting_smtp_server(mailbox) as smtp_port,
        tempfile.TemporaryDirectory() as tmp,
    ):
        engine = sa.create_engine(url)
        workers = None
        try:
            with engine.connect() as conn:
                autovacuum = conn.execute(sa.text("SHOW autovacuum")).scalar_one() == "on"
            migrate(url)
            started = time.perf_counter()
            make_monthly_donors(engine, donors, year=YEAR)
            vacuum(engine)
            print(f"data: {donors} donors, {donors * 12} payments in {time.perf_counter() - started:.1f} s", flush=True)
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-january-0123456789abcdef0123",
                "FLASK_ENV_NAME": "development",
                "STRIPE_SECRET_KEY": "",
                "STRIPE_API_BASE": "http://127.0.0.1:9",
                "STRIPE_WEBHOOK_SECRET": "whsec_bench",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(smtp_port),
                "RECEIPTS_DIR": f"{tmp}/receipts",
                "LOG_LEVEL": "WARNING",
                "CELERY_BROKER_URL": broker_url,
            }
            workers = CeleryWorkers(env, Path(tmp), WORKERS, prefix="january")
            command = [sys.executable, "-m", "flask", "--app", "wsgi", "receipts", "annual", "--year", str(YEAR)]
            load_before = load()
            reference_before = reference_drawing_ms()
            # The workers' CPU from now on (their start-up left out), this process's (the SMTP server,
            # the polling), and the database's (the workers' backends, opened by their first job).
            worker_cpu_before = sum(cpu_seconds(worker.process.pid) for worker in workers.workers)
            bench_cpu_before = time.process_time()
            with Autoanalyze(engine, 0.0 if autovacuum else args.analyze_every):
                started = time.perf_counter()
                queued = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
                assert f"{donors} donor(s) queued" in queued.stdout, queued.stdout + queued.stderr
                all_issued_at = None
                deadline = time.monotonic() + deadline_seconds
                while True:
                    issued, drawn, emailed = counts(engine)
                    if all_issued_at is None and issued >= donors:
                        all_issued_at = time.perf_counter() - started
                    if emailed >= donors:
                        break
                    workers.alive()
                    if time.monotonic() > deadline:
                        raise SystemExit(
                            f"after {deadline_seconds:.0f} s: {issued} issued, {drawn} drawn, {emailed} emailed\n"
                            + workers.tail()
                        )
                    time.sleep(0.5)
                elapsed = time.perf_counter() - started
            load_after = load()
            reference_after = reference_drawing_ms()
            mailbox.wait_for(donors, timeout=30)
            worker_mb = workers.peak_mb()
            worker_cpu = sum(cpu_seconds(worker.process.pid) for worker in workers.workers) - worker_cpu_before
            database_cpu = 0.0
            for pid in backend_pids(engine):
                try:
                    database_cpu += cpu_seconds(pid)
                except OSError:  # a connection closed meanwhile
                    continue
            bench_cpu = time.process_time() - bench_cpu_before
            workers.stop()
            workers = None
            check(engine, mailbox, donors)
        finally:
            if workers is not None:
                workers.stop()
            engine.dispose()
    per_recap = elapsed / donors
    projected = per_recap * FULL
    verdict = "within" if projected <= TARGET_SECONDS else "OVER"
    print(
        f"January batch: {donors} recaps issued, drawn, stored and emailed, PostgreSQL, {WORKERS} workers, {os.cpu_count()} cores"
    )
    print(f"elapsed               : {elapsed:8.1f} s (all issued after {all_issued_at or 0:.1f} s)")
    print(f"per recap             : {per_recap * 1000:8.2f} ms wall ({per_recap * WORKERS * 1000:.2f} ms of a worker)")
    print(
        f"projection for {FULL:,}: {projected:8.0f} s = {projected / 60:.1f} min   target <= {TARGET_SECONDS / 60:.0f} min: {verdict}"
    )
    print(
        f"SMTP                  : {len(mailbox.recipients)} emails over {mailbox.connections} connection(s) "
        f"(chunks of {DELIVERY_CHUNK})"
    )
    cpu = worker_cpu + database_cpu + bench_cpu
    dedicated = cpu / donors * FULL / (os.cpu_count() or WORKERS)
    print(
        f"CPU per recap         : {cpu / donors * 1000:8.2f} ms = workers {worker_cpu / donors * 1000:.2f} + PostgreSQL "
        f"{database_cpu / donors * 1000:.2f} + SMTP server and bench {bench_cpu / donors * 1000:.2f}"
    )
    print(
        f"projection on {os.cpu_count()} idle cores: {dedicated:8.0f} s = {dedicated / 60:.1f} min for {FULL:,} "
        f"(CPU time / cores; the machine's other load left out)   target <= {TARGET_SECONDS / 60:.0f} min: "
        f"{'within' if dedicated <= TARGET_SECONDS else 'OVER'}"
    )
    slowdown = (reference_before + reference_after) / 2 / IDLE_REFERENCE_MS
    print(
        f"reference drawing     : {reference_before:.1f} ms CPU before, {reference_after:.1f} after "
        f"({IDLE_REFERENCE_MS} on an idle machine): CPU {slowdown:.1f}x slower than idle; scaled, the projection "
        f"on idle cores is {dedicated / slowdown:.0f} s = {dedicated / slowdown / 60:.1f} min"
    )
    print(f"peak memory per worker: {', '.join(f'{mb:.0f}' for mb in worker_mb)} MB")
    print(f"load average          : {load_before} before, {load_after} after (1, 5, 15 min)")


if __name__ == "__main__":
    main()
