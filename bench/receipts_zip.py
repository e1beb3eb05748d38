"""Peak memory of the back office's ZIP of a year's receipts, against the archive's size.

A year of receipts (20 000 by default, each with a real receipt's PDF, about
48 KB) is put in a SQLite database and the PDF store; a signed-in finance user
downloads the year's ZIP through the app, and the stream is read chunk by
chunk (and thrown away, as a client writing to disk would). Python's
allocations are traced during the download: the ratio is the peak against the
archive's size, which stays small only if the ZIP is streamed.

    .venv/bin/python bench/receipts_zip.py [RECEIPTS]      (target: peak < 5 % of the archive; built in memory it would be over 100 %)
"""

from __future__ import annotations

import logging
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main(count: int) -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                **BASE_CONFIG,
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
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
            print(f"{count} receipts of {len(pdf)} bytes stored in {time.perf_counter() - started:.1f} s")

        browser = app.test_client()
        page = browser.get("/finance/login")
        token = form_fields(page.text)["csrf_token"]
        signed_in = browser.post(
            "/finance/login", data={"csrf_token": token, "email": "bench@fondation.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 303, signed_in.status_code

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        answer = browser.get(f"/finance/receipts.zip?date_from={YEAR}-01-01&date_to={YEAR}-12-31")
        assert answer.status_code == 200
        size = chunks = 0
        started = time.perf_counter()
        tracemalloc.start()
        try:
            for chunk in answer.response:
                size += len(chunk)
                chunks += 1
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            answer.close()
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"ZIP of {count} receipts: {size / 1e6:.0f} MB in {chunks} chunks, {elapsed:.1f} s (traced)")
    print(f"peak traced Python memory during the download: {peak / 1e6:.2f} MB")
    print(f"process max RSS: {rss_before / 1024:.0f} MB before the download, {rss_after / 1024:.0f} MB after")
    ratio = peak / size
    print(f"ratio (peak memory / archive size): {ratio:.4f}  (target < 0.05)")
    if ratio >= 0.05:
        sys.exit(1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
