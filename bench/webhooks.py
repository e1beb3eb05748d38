"""Webhook events applied per second (signature checked, event stored by id,
donation moved) under gunicorn with 2 workers, driven by `wrk`, against the
bare durable webhook of bench/bare_webhook.py (check the signature, parse,
insert the event by id, move a row, commit) served the same way on the same
database, measured in turn in the same run.

    PYTHONPATH=. .venv/bin/python bench/webhooks.py [--postgres] [--receipt]     (target: ratio >= 0.6)

The events are checkout.session.expired (a pending gift expires; applied
without calling Stripe). With --receipt they are checkout.session.completed
events of one-off gifts paid by card at the Stripe sandbox (bench/paid_checkouts.py):
the event this codebase issues a receipt on. Applying one reads the
PaymentIntent from the sandbox (served by this process, on the same CPUs, as
Stripe would be over the network), records the payment and issues the
numbered receipt in the webhook's transaction; the PDF and the email are
queued after the commit, as in production, where Celery workers draw and send
them: the service runs with a broker (CELERY_BROKER_URL=memory://, kombu's
in-process queue, which nobody consumes here), so a request pays for queuing
its two jobs, not for the drawing or the mail (inline mode would run them in a
thread of the web worker). The anchor is the same bare durable webhook with
its expired events.

A run exits 1, printing no ratio, when a delivery failed or when wrk sent more
events than the file holds (repeats, answered as duplicates, would be measured).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
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
from bench.paid_checkouts import paid_checkout_events
from bench.wrk_load import ROUNDS, Run, paired, write_requests, wrk_post
from donations import create_app
from donations.extensions import db
from donations.models import Donation, DonationKind, DonationStatus, Receipt, ReceiptStatus, StripeEvent
from donations.platform.stripe_api import PINNED_API_VERSION
from stripe_sandbox import serve_in_thread, sign
from tests.support.bulk import make_monthly_donors

SECRET = "whsec_bench"
DONATIONS = 40_000  # half for the service, half for the anchor: each event moves a donation not moved before
EVENTS = 60_000  # per side: more than wrk sends in all the runs, so that no event is sent twice
# Gifts paid at the sandbox for --receipt, one event each: more than the service applies in all the runs.
RECEIPT_GIFTS = 4_000


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


def signed(bodies: list[str]) -> list[tuple[str, str]]:
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
    parser.add_argument(
        "--receipt", action="store_true", help="checkout.session.completed events that issue receipts (see above)"
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = (
            stack.enter_context(scratch_postgres("bench_webhooks"))
            if args.postgres
            else f"sqlite:///{tmp}/bench.sqlite"
        )
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        service_gifts = RECEIPT_GIFTS if args.receipt else DONATIONS // 2
        with app.app_context():
            upgrade()
            make_monthly_donors(db.engine, service_gifts + DONATIONS // 2, payments_each=0)
            db.session.execute(sa.update(Donation).values(status="pending"))
            db.session.commit()
            public_ids = list(db.session.scalars(sa.select(Donation.public_id).order_by(Donation.id)))
            if args.receipt:  # the service's gifts are one-off gifts, each receipted when paid
                db.session.execute(
                    sa.update(Donation).where(Donation.public_id.in_(public_ids[:service_gifts])).values(kind="one_off")
                )
                db.session.commit()
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}
        if args.receipt:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandbox's access log: a line a request
            sandbox = stack.enter_context(serve_in_thread({"sepa_delay": None}))
            bodies = paid_checkout_events(sandbox, public_ids[:service_gifts], amount_cents=1500)
            env |= {"STRIPE_API_BASE": sandbox.url, "CELERY_BROKER_URL": "memory://", "RECEIPTS_DIR": str(tmp / "pdf")}
        with Gunicorn("wsgi:app", env) as service, Gunicorn("bench.bare_webhook:app", env) as bare:
            # Signed once both serve: a slow start on a loaded machine leaves no signature stale (300 s).
            service_events = write_requests(
                tmp / "service.txt",
                signed(bodies) if args.receipt else signed_events(public_ids[:service_gifts]),
            )
            anchor_events = write_requests(tmp / "anchor.txt", signed_events(public_ids[service_gifts:]))
            service_sender = Sender(service.url + "/stripe/webhook", tmp / "service.txt")
            anchor_sender = Sender(bare.url + "/stripe/webhook", tmp / "anchor.txt")
            figures = paired(service_sender, anchor_sender)
        with app.app_context():
            stored = db.session.scalar(
                sa.select(sa.func.count()).select_from(StripeEvent).where(StripeEvent.outcome == "applied")
            )
            moved = db.session.scalar(
                sa.select(sa.func.count()).select_from(Donation).where(Donation.status == DonationStatus.EXPIRED)
            )
            receipts = db.session.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(Receipt.number))).where(
                    Receipt.status == ReceiptStatus.ISSUED
                )
            ).one()
            paid = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Donation)
                .where(Donation.kind == DonationKind.ONE_OFF, Donation.status == DonationStatus.PAID)
            )
            db.engine.dispose()
    database = "PostgreSQL" if args.postgres else "SQLite"
    what = "receipting events applied" if args.receipt else "webhook events applied"
    print(
        f"{what} (gunicorn, 2 workers, {database}, wrk): {figures.service:8.1f} /s  "
        f"({figures.failures} failures{': ' + figures.failure_kinds if figures.failures else ''}; medians of {ROUNDS} runs in turn)"
    )
    print(
        f"bare durable webhook (signature, parse, insert, move, commit): {figures.anchor:8.1f} /s  "
        f"({stored} events stored, {moved} donations expired"
        + (
            f", {paid} gifts paid, {receipts[0]} receipts issued with {receipts[1]} distinct numbers)"
            if args.receipt
            else ")"
        )
    )
    print(
        f"ratio webhooks / bare durable webhook                         : {figures.ratio:8.2f}  (target >= 0.60; median of the runs' ratios)"
    )
    if figures.failures:
        # An event refused or failed measures an error page, not the webhook: the ratio means nothing.
        sys.exit(f"{figures.failures} webhook deliveries failed: the ratio above is not a measure")
    for sender, count, side in ((service_sender, service_events, "service"), (anchor_sender, anchor_events, "anchor")):
        if sender.offset > count:
            sys.exit(f"wrk sent {sender.offset} events to the {side} but its file holds {count}: repeats were measured")
    if args.receipt and not receipts[0] == receipts[1] == paid:
        sys.exit(f"{paid} gifts paid but {receipts[0]} receipts issued ({receipts[1]} numbers): not one receipt a gift")


if __name__ == "__main__":
    main()
