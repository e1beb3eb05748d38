"""Webhook events applied per second (signature checked, event stored by id,
donation moved) under gunicorn with 2 workers, against the bare Flask page of
bench/landing.py served the same way, measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/webhooks.py     (target: ratio >= 0.4)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.http_load import Gunicorn, rate  # noqa: E402
from donations import create_app  # noqa: E402
from donations.extensions import db  # noqa: E402
from donations.models import Donation, StripeEvent  # noqa: E402
from stripe_sandbox import sign  # noqa: E402
from tests.load.bulk import make_monthly_donors  # noqa: E402

SECRET = "whsec_bench"
DONATIONS = 20_000


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
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            upgrade()
            make_monthly_donors(db.engine, DONATIONS, payments_each=0)
            db.session.execute(sa.update(Donation).values(status="pending"))
            db.session.commit()
            public_ids = list(db.session.scalars(sa.select(Donation.public_id)))
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}

        def send(session, n):  # type: ignore[no-untyped-def]
            body = expired_event(public_ids[n % len(public_ids)])
            return session.post(service.url + "/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body, SECRET), "Content-Type": "application/json"}).status_code

        with Gunicorn("wsgi:app", env) as service:
            webhook_rate, errors = rate(send)
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))
        (Path(__file__).resolve().parent / "bare_page.html").write_text("<p>{{ text }}</p>" * 200)
        with Gunicorn("bench.bare_app:app", env) as bare:
            bare_rate, _ = rate(lambda s, n: s.get(bare.url + "/").status_code)
        (Path(__file__).resolve().parent / "bare_page.html").unlink()
    print(f"webhook events applied (gunicorn, 2 workers, SQLite): {webhook_rate:8.1f} /s  ({stored} stored, {errors} 5xx)")
    print(f"bare Flask page                                     : {bare_rate:8.1f} req/s")
    print(f"ratio webhooks / bare                               : {webhook_rate / bare_rate:8.2f}  (target >= 0.40)")


if __name__ == "__main__":
    main()
