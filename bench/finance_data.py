"""A foundation's history in bulk, for bench/finance_pages.py: donors, gifts, payments, receipts, events.

Shaped on the issue's measure of a large foundation (per donor: 1.7 gifts,
7 payments, 1.4 receipts, 10 stored Stripe events), inserted with Core in
batches; names with accents, companies with a SIREN, Stripe ids on payments,
so that every search of the back office has something to find. The search
columns are filled as the ORM would fill them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from donations.models import AuditEntry, Donation, Donor, Payment, Receipt, StripeEvent, receipt_payment
from donations.models.search_text import normalised_parts
from donations.tax import TaxRules

BATCH = 5000
LAST_NAMES = [
    "Martin",
    "Lefèvre",
    "Dubois",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Michel",
    "Garcia",
    "Müller",
    "Roux",
    "Fournier",
    "Girard",
    "Bonnet",
]
FIRST_NAMES = ["Camille", "Hélène", "Léa", "Chloé", "Noé", "Jérôme", "François", "Zoé", "Inès", "Théo"]


@dataclass(frozen=True)
class Landmarks:
    """Identifiers the bench searches for: one of each kind, somewhere in the middle of the history."""

    email: str
    siren: str
    receipt_number: str
    intent_id: str
    public_id: str


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):  # stored naive in UTC (donations.models.types.UTCDateTime)
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _insert(conn: sa.Connection, table: sa.Table, rows: Iterator[dict[str, Any]]) -> None:
    """Batches of Core inserts; on PostgreSQL one COPY per table (several times faster), in the same transaction."""
    if conn.dialect.name != "postgresql":
        for chunk in _chunks(rows):
            conn.execute(sa.insert(table), chunk)
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    columns: list[str] | None = None
    defaults: dict[str, Any] = {}
    copy = None
    with contextlib.ExitStack() as stack:
        for row in rows:
            if columns is None:
                # The Python-side defaults a Core insert would have applied (COPY knows only the server's).
                defaults = {c.name: c.default for c in table.columns if c.name not in row and c.default is not None}
                columns = [*row, *defaults]
                copy = stack.enter_context(cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"))
            for name, default in defaults.items():
                row[name] = default.arg if default.is_scalar else default.arg(None)  # type: ignore[attr-defined]
            copy.write_row([_copy_value(row[c]) for c in columns])  # type: ignore[union-attr]
    if columns and "id" in columns:
        conn.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
        )


def build(engine: sa.Engine, donors: int, seed: int = 20) -> Landmarks:
    """Insert the history of `donors` donors over the last three years; answers what to search for."""
    rng = random.Random(seed)
    rules = TaxRules().as_dict()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first_day = now - dt.timedelta(days=3 * 365)
    donations = int(donors * 1.7)

    def when(i: int, count: int) -> dt.datetime:
        return first_day + (now - first_day) * (i / count)

    def donor_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, donors + 1):
            company = i % 25 == 0
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], f"{LAST_NAMES[rng.randrange(len(LAST_NAMES))]}"
            email = f"donor{i}@example.org"
            name = f"Fondation {last} {i}" if company else None
            yield dict(
                id=i,
                public_id=str(uuid.UUID(int=rng.getrandbits(128))),
                donor_type="company" if company else "individual",
                first_name=first,
                last_name=last,
                email=email,
                company_name=name,
                legal_form="SAS" if company else None,
                siren=f"{100000000 + i:09d}" if company else None,
                address_line1="12 rue des Lilas",
                postal_code="75013",
                city="Paris",
                country="FR",
                locale="fr",
                created_at=when(i, donors),
                search_text=normalised_parts((first, last, name, email)),
            )

    def donation_rows() -> Iterator[dict[str, Any]]:
        for i in range(1, donations + 1):
            donor = 1 + (i * 7919) % donors
            monthly = i % 3 == 0
            yield dict(
                id=i,
                public_id=str(uuid.UUID(int=rng.getrandbits(128))),
                donor_id=donor,
                kind="monthly" if monthly else "one_off",
                tax_scheme="income_tax",
                tax_rate=0.66,
                tax_rules=rules,
                amount_cents=1500 if monthly else 1000 * (1 + i % 20),
                ifi_cents=0,
                currency="eur",
                status="active" if monthly else "paid",
                stripe_subscription_id=f"sub_bench_{i}" if monthly else None,
                livemode=False,
                identity={
                    "donor_type": "individual",
                    "first_name": FIRST_NAMES[donor % len(FIRST_NAMES)],
                    "last_name": "Martin",
                    "address_line1": "12 rue des Lilas",
                    "address_line2": "",
                    "postal_code": "75013",
                    "city": "Paris",
                    "country": "FR",
                },
                search_text=normalised_parts((FIRST_NAMES[donor % len(FIRST_NAMES)], "Martin")),
                created_at=when(i, donations),
                updated_at=when(i, donations),
            )

    def payment_rows() -> Iterator[dict[str, Any]]:
        pid = 0
        for i in range(1, donations + 1):
            monthly = i % 3 == 0
            count = 19 if monthly else 1  # 19 for a third, 1 for the rest: 7 per gift on average
            start = when(i, donations)
            for month in range(count):
                pid += 1
                at = min(start + dt.timedelta(days=30 * month), now)
                yield dict(
                    id=pid,
                    donation_id=i,
                    amount_cents=1500 if monthly else 1000 * (1 + i % 20),
                    refunded_cents=0,
                    currency="eur",
                    method="card",
                    status="succeeded" if pid % 50 else "failed",
                    disputed=False,
                    livemode=False,
                    stripe_payment_intent_id=f"pi_bench_{pid}",
                    received_at=at,
                    received_on=at.date(),
                    created_at=at,
                )

    with engine.begin() as conn:
        _insert(conn, Donor.__table__, donor_rows())
        _insert(conn, Donation.__table__, donation_rows())
        _insert(conn, Payment.__table__, payment_rows())
        one_offs = [
            row
            for row in conn.execute(
                sa.select(Payment.id, Payment.donation_id, Payment.received_at, Payment.amount_cents, Donation.donor_id)
                .join(Donation, Donation.id == Payment.donation_id)
                .where(Donation.kind == "one_off")
                .order_by(Payment.received_at)
            )
        ]
        sequences: dict[int, int] = {}

        def receipt_rows() -> Iterator[dict[str, Any]]:
            for n, (_payment_id, _donation, at, cents, donor) in enumerate(one_offs, 1):
                sequences[at.year] = sequences.get(at.year, 0) + 1
                number = f"{at.year}-{sequences[at.year]:06d}"
                yield dict(
                    id=n,
                    number=number,
                    year=at.year,
                    sequence=sequences[at.year],
                    form="11580",
                    kind="per_gift",
                    article="200",
                    donor_id=donor,
                    amount_cents=cents,
                    snapshot={"number": number},
                    verification_code=f"c{n}",
                    status="issued",
                    livemode=False,
                    issued_at=at,
                    pdf_sha256="0" * 64,
                )

        _insert(conn, Receipt.__table__, receipt_rows())
        _insert(conn, receipt_payment, ({"receipt_id": n, "payment_id": row[0]} for n, row in enumerate(one_offs, 1)))
        _insert(
            conn,
            StripeEvent.__table__,
            (
                dict(
                    stripe_id=f"evt_bench_{i}",
                    type="invoice.paid",
                    livemode=False,
                    created=when(i, donors * 10),
                    payload={"id": f"evt_bench_{i}"},
                    outcome="applied",
                    attempts=1,
                    donation_id=1 + i % donations,
                    received_at=when(i, donors * 10),
                )
                for i in range(1, donors * 10 + 1)
            ),
        )
        _insert(
            conn,
            AuditEntry.__table__,
            (
                dict(
                    at=when(i, donors),
                    action="receipt_downloaded",
                    target_type="receipt",
                    target_id=str(1 + i % max(1, len(one_offs))),
                    ip_address="127.0.0.1",
                    details={},
                )
                for i in range(1, donors // 2 + 1)
            ),
        )
    with engine.connect() as conn:
        return landmarks(conn, donors)


def landmarks(conn: sa.Connection, donors: int) -> Landmarks:
    """What the bench searches for in a history `build` made (read again when the data is kept)."""
    receipts = conn.execute(sa.select(sa.func.count()).select_from(Receipt)).scalar_one()
    donations = int(donors * 1.7)
    middle_receipt = conn.execute(sa.select(Receipt.number).where(Receipt.id == max(1, receipts // 2))).scalar_one()
    middle_donation = conn.execute(sa.select(Donation.public_id).where(Donation.id == donations // 2)).scalar_one()
    return Landmarks(
        email=f"DONOR{donors // 2}@example.org",
        siren=f"{100000000 + 25 * (donors // 50):09d}",
        receipt_number=middle_receipt,
        intent_id=f"pi_bench_{3 * donations}",
        public_id=middle_donation,
    )
