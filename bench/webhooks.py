"""Webhook events applied per second (signature checked, event stored by id,
donation moved) under gunicorn with 2 workers, driven by `wrk`, against the
bare durable webhook of bench/bare_webhook.py (check the signature, parse,
insert the event by id, move a row, commit) served the same way on the same
database, measured in turn in the same run.

    PYTHONPATH=. .venv/bin/python bench/webhooks.py [--postgres]     (target: ratio >= 0.6)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.databases import scratch_postgres
from bench.http_load import Gunicorn
from bench.wrk_load import ROUNDS, Run, paired, write_requests, wrk_post
from donations import create_app
from donations.extensions import db
from donations.models import Donation, DonationStatus, StripeEvent
from donations.platform.stripe_api import PINNED_API_VERSION
from stripe_sandbox import sign
from tests.support.bulk import make_monthly_donors

SECRET = "whsec_bench"
DONATIONS = 40_000  # half for the service, half for the anchor: each event moves a donation not moved before
EVENTS = 60_000  # per side: more than wrk sends in all the runs, so that no event is sent twice


def expired_event(donation_id: str) -> str:
    """A checkout.session.expired event for one of our donations (applied without calling Stripe)."""
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "api_version": PINNED_API_VERSION,  # the pinned version with its fields: applied as it comes
            "type": "checkout.session.expired",
            "livemode": False,
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": f"cs_test_{uuid.uuid4().hex}",
                    "object": "checkout.session",
                    "mode": "payment",
                    "payment_status": "unpaid",
                    "status": "expired",
                    "metadata": {"donation_id": donation_id},
                }
            },
        }
    )


def signed_events(donations: list[str]) -> list[tuple[str, str]]:
    bodies = (expired_event(donations[i % len(donations)]) for i in range(EVENTS))
    return [(sign(body, SECRET), body) for body in bodies]


class Sender:
    """Runs of wrk over one file of events, each run starting where the last one stopped."""

    def __init__(self, url: str, requests_file: Path) -> None:
        self.url, self.file, self.offset = url, requests_file, 0

    def __call__(self, _run: int) -> Run:
        run = wrk_post(self.url, self.file, self.offset)
        self.offset = run.next_offset
        return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL database of its own instead of SQLite")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = (
            stack.enter_context(scratch_postgres("bench_webhooks"))
            if args.postgres
            else f"sqlite:///{tmp}/bench.sqlite"
        )
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            upgrade()
            make_monthly_donors(db.engine, DONATIONS, payments_each=0)
            db.session.execute(sa.update(Donation).values(status="pending"))
            db.session.commit()
            public_ids = list(db.session.scalars(sa.select(Donation.public_id).order_by(Donation.id)))
        half = len(public_ids) // 2
        write_requests(tmp / "service.txt", signed_events(public_ids[:half]))
        write_requests(tmp / "anchor.txt", signed_events(public_ids[half:]))
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}
        with Gunicorn("wsgi:app", env) as service, Gunicorn("bench.bare_webhook:app", env) as bare:
            figures = paired(
                Sender(service.url + "/stripe/webhook", tmp / "service.txt"),
                Sender(bare.url + "/stripe/webhook", tmp / "anchor.txt"),
            )
        with app.app_context():
            stored = db.session.scalar(
                sa.select(sa.func.count()).select_from(StripeEvent).where(StripeEvent.outcome == "applied")
            )
            moved = db.session.scalar(
                sa.select(sa.func.count()).select_from(Donation).where(Donation.status == DonationStatus.EXPIRED)
            )
            db.engine.dispose()
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"webhook events applied (gunicorn, 2 workers, {database}, wrk): {figures.service:8.1f} /s  "
        f"({figures.failures} failures; medians of {ROUNDS} runs in turn)"
    )
    print(
        f"bare durable webhook (signature, parse, insert, move, commit): {figures.anchor:8.1f} /s  "
        f"({stored} events stored, {moved} donations moved by both)"
    )
    print(
        f"ratio webhooks / bare durable webhook                         : {figures.ratio:8.2f}  (target >= 0.60; median of the runs' ratios)"
    )
    if figures.failures:
        # An event refused or failed measures an error page, not the webhook: the ratio means nothing.
        sys.exit(f"{figures.failures} webhook deliveries failed: the ratio above is not a measure")


if __name__ == "__main__":
    main()
