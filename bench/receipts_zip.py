"""Peak memory of the back office's ZIP of a year's receipts, in absolute figures, at two sizes.

For each size (20 000 and 100 000 receipts by default, each with a real
receipt's PDF, about 48 KB), in a process of its own, a year of receipts is
put in the database and the PDF store; a signed-in finance user downloads the
year's ZIP through the app, and the stream is read chunk by chunk (and thrown
away, as a client writing to disk would). Two figures of the download alone:

- the tracemalloc peak: the most Python's allocations held at once while the
  ZIP was streamed (tracing starts when the answer is ready);
- the RSS high-water of the download: the process's peak resident memory
  (VmHWM) once the kernel's mark was reset just before it (/proc/self/clear_refs),
  next to the RSS when it started.

Side by side, the sizes show how memory grows with the number of entries (a
streamed ZIP still keeps each entry's central-directory record until the end).

    .venv/bin/python bench/receipts_zip.py [RECEIPTS ...] [--database-url URL] [--rss-only]

`--rss-only` leaves tracemalloc out (it slows every allocation: at 100 000
receipts the download takes a few times longer) and reports the RSS high-water.

SQLite in a scratch directory by default; `--database-url` names a PostgreSQL
database to use instead, which is EMPTIED first (its public schema dropped).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from donations import create_app
from donations.extensions import db
from donations.finance.staff import create_staff
from donations.models import StaffRole
from donations.receipting.pdfs import pdf_of, receipt_store
from donations.receipting.service import issuing_context
from receipts.issuing import issue_for_payment
from tests.support.app_factory import BASE_CONFIG
from tests.support.bulk import insert_receipts
from tests.support.factories import settled_payment
from tests.support.pages import form_fields

YEAR = 2025
PASSWORD = "bench password, not secret"


def _status_kib(field: str) -> int:
    """A figure of /proc/self/status, in KiB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_rss_high_water() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # "5": reset the peak RSS to the current RSS (Linux >= 4.0)


def _emptied(url: str) -> str:
    """`url` with its public schema dropped and made again: the migrations start from nothing."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def measure(count: int, database_url: str | None, trace: bool = True) -> None:
    """One size, in this process: store `count` receipts, download their ZIP, print the figures."""
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                **BASE_CONFIG,
                "DATABASE_URL": _emptied(database_url) if database_url else f"sqlite:///{tmp}/bench.sqlite",
                "RECEIPTS_DIR": f"{tmp}/receipts",
                "MAIL_SERVER": "",
            }
        )
        with app.app_context():
            upgrade()
            issued = issue_for_payment(db.session, settled_payment(db.session), issuing_context())
            assert issued is not None
            create_staff(db.session, "bench@fondation.example", StaffRole.FINANCE, PASSWORD)
            db.session.commit()
            started = time.perf_counter()
            pdf = pdf_of(issued.receipt)
            insert_receipts(db.session, receipt_store(), count, YEAR, pdf)
            db.session.commit()
            database = db.engine.dialect.name
        print(f"{count} receipts of {len(pdf)} bytes stored in {time.perf_counter() - started:.1f} s ({database})")

        browser = app.test_client()
        page = browser.get("/finance/login")
        token = form_fields(page.text)["csrf_token"]
        signed_in = browser.post(
            "/finance/login", data={"csrf_token": token, "email": "bench@fondation.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 303, signed_in.status_code

        # insert_receipts issues one receipt every 20 minutes from 2 January: past about 26 000 they run
        # into the next years, so the period asked for ends on the day of the last one.
        last_day = (dt.datetime(YEAR, 1, 2, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=20 * count)).date()
        answer = browser.get(
            f"/finance/receipts.zip?date_from={YEAR}-01-01&date_to={max(last_day, dt.date(YEAR, 12, 31))}"
        )
        assert answer.status_code == 200
        size = chunks = 0
        _reset_rss_high_water()
        rss_before = _status_kib("VmRSS")
        started = time.perf_counter()
        peak = None
        if trace:
            tracemalloc.start()
        try:
            for chunk in answer.response:
                size += len(chunk)
                chunks += 1
            if trace:
                _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            answer.close()
        elapsed = time.perf_counter() - started
        rss_high_water = _status_kib("VmHWM")
    print(
        f"ZIP of {count} receipts: {size / 1e6:.0f} MB in {chunks} chunks, {elapsed:.1f} s ({'traced' if trace else 'untraced'})"
    )
    if peak is not None:
        print(f"  tracemalloc peak during the download      : {peak / 1e6:8.2f} MB")
    print(
        f"  RSS high-water during the download (VmHWM): {rss_high_water / 1024:8.1f} MB "
        f"(RSS {rss_before / 1024:.1f} MB when it started, +{(rss_high_water - rss_before) / 1024:.1f} MB)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[20_000, 100_000])
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use (default: SQLite)")
    parser.add_argument("--rss-only", action="store_true", help="no tracemalloc (faster): the RSS high-water only")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single size, in this process
    args = parser.parse_args(argv)
    if args.one:
        measure(args.counts[0], args.database_url, trace=not args.rss_only)
        return
    for count in args.counts:  # each size in a fresh process: no figure inherits another's memory
        command = [sys.executable, __file__, "--one", str(count)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        if args.rss_only:
            command.append("--rss-only")
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
