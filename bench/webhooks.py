"""Webhook events applied per second (signature checked, event stored by id,
donation moved) under gunicorn with 2 workers, against the bare Flask page of
bench/landing.py served the same way, measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/webhooks.py [--postgres]     (target: ratio >= 0.4)
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.databases import scratch_postgres  # noqa: E402
from bench.http_load import ROUNDS, Gunicorn, bare_page, paired_rates  # noqa: E402
from donations import create_app  # noqa: E402
from donations.extensions import db  # noqa: E402
from donations.models import Donation, DonationStatus, StripeEvent  # noqa: E402
from stripe_sandbox import sign  # noqa: E402
from tests.support.bulk import make_monthly_donors  # noqa: E402

SECRET = "whsec_bench"
DONATIONS = 30_000  # more than the events of all rounds, so that each one moves a donation


def expired_event(donation_id: str) -> str:
    """A checkout.session.expired event for one of our donations (applied without calling Stripe)."""
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": "checkout.session.expired",
            "livemode": False,
            "created": int(time.time()),
            "data": {"object": {"id": f"cs_test_{uuid.uuid4().hex}", "object": "checkout.session", "metadata": {"donation_id": donation_id}}},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL database of its own instead of SQLite")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        url = stack.enter_context(scratch_postgres("bench_webhooks")) if args.postgres else f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            upgrade()
            make_monthly_donors(db.engine, DONATIONS, payments_each=0)
            db.session.execute(sa.update(Donation).values(status="pending"))
            db.session.commit()
            public_ids = list(db.session.scalars(sa.select(Donation.public_id)))
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}

        gifts = itertools.count()  # each event moves a donation not moved before

        def send(session, n):  # type: ignore[no-untyped-def]
            body = expired_event(public_ids[next(gifts) % len(public_ids)])
            return session.post(service.url + "/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body, SECRET), "Content-Type": "application/json"}).status_code

        with Gunicorn("wsgi:app", env) as service:
            landing = requests.get(service.url + "/").text  # the anchor's page, served bare beside the service
            with bare_page(landing), Gunicorn("bench.bare_app:app", env) as bare:
                figures = paired_rates(send, bare.getter("/"))
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))
            moved = db.session.scalar(sa.select(sa.func.count()).select_from(Donation).where(Donation.status == DonationStatus.EXPIRED))
            db.engine.dispose()
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"webhook events applied (gunicorn, 2 workers, {database}): {figures.service:8.1f} /s  "
          f"({stored} stored, {moved} donations moved, {figures.errors} 5xx; medians of {ROUNDS} runs in turn)")
    print(f"bare Flask page                                     : {figures.anchor:8.1f} req/s")
    print(f"ratio webhooks / bare                               : {figures.ratio:8.2f}  (target >= 0.40; median of the runs' ratios)")


if __name__ == "__main__":
    main()
