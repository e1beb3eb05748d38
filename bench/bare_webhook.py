"""The anchor of the webhook bench: the least a durable webhook must do, and nothing else.

Check the signature on the raw body, parse it, insert the event by its id
(a repeat inserts nothing), move the donation it names, commit: on the
service's own database and tables, through SQLAlchemy Core on the service's tables (the models' Table objects), with the same
SQLite settings (WAL, synchronous=FULL: a 200 is never lost). No ORM, no
extensions, no checks of shape, no audit.

    DATABASE_URL=... STRIPE_WEBHOOK_SECRET=... gunicorn bench.bare_webhook:app
"""

from __future__ import annotations

import datetime as dt
import json
import os

import sqlalchemy as sa
import stripe
from flask import Flask, request
from sqlalchemy.dialects import postgresql, sqlite

from donations.models import Donation, StripeEvent

app = Flask(__name__)
engine = sa.create_engine(os.environ["DATABASE_URL"])
SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]

if engine.dialect.name == "sqlite":

    @sa.event.listens_for(engine, "connect")
    def _durable(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


EVENTS, DONATIONS = StripeEvent.__table__, Donation.__table__
_dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
INSERT = _dialect.insert(EVENTS).on_conflict_do_nothing(index_elements=[EVENTS.c.stripe_id])
MOVE = (
    sa.update(DONATIONS)
    .where(DONATIONS.c.public_id == sa.bindparam("donation"))
    .values(status="expired", updated_at=sa.bindparam("now"))
)


@app.post("/stripe/webhook")
def webhook():  # type: ignore[no-untyped-def]
    payload = request.get_data()
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode(), request.headers.get("Stripe-Signature", ""), SECRET, 300
        )
    except stripe.SignatureVerificationError:
        return {"error": "invalid signature"}, 400
    event = json.loads(payload)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        inserted = conn.execute(
            INSERT,
            {
                "stripe_id": event["id"],
                "type": event["type"],
                "livemode": event["livemode"],
                "payload": event,
                "created": dt.datetime.fromtimestamp(event["created"], dt.UTC),
                "outcome": "applied",
                "attempts": 1,
                "received_at": now,
            },
        ).rowcount
        if inserted:
            conn.execute(MOVE, {"now": now, "donation": event["data"]["object"]["metadata"]["donation_id"]})
    return {"received": True}
