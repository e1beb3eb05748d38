"""Rows inserted in bulk, for load tests and benches: many monthly donors and their payments; many receipts
at once, straight in the database and the PDF store (the ZIP test and bench/receipts_zip.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy import insert
from sqlalchemy.orm import Session

from donations.models import (
    Donation,
    Donor,
    DonorIdentity,
    DonorType,
    Payment,
    Receipt,
    ReceiptForm,
    ReceiptKind,
    ReceiptStatus,
)
from donations.tax import TaxRules
from receipts.storage import ReceiptStore, sha256_of

BATCH = 5000


def _identity(i: int) -> dict[str, str]:
    return DonorIdentity(
        donor_type="individual",
        first_name="Camille",
        last_name=f"Martin {i}",
        address_line1="12 rue des Lilas",
        address_line2="",
        postal_code="75013",
        city="Paris",
        country="FR",
    ).to_json()


def make_monthly_donors(engine: sa.Engine, donors: int, payments_each: int = 12, year: int = 2025) -> None:
    """`donors` monthly donors, each with `payments_each` settled card payments of 15 € in `year`."""
    rules = TaxRules().as_dict()
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        first_id = (conn.scalar(sa.select(sa.func.max(Donor.id))) or 0) + 1
        for start in range(0, donors, BATCH):
            ids = range(first_id + start, first_id + min(start + BATCH, donors))
            conn.execute(
                sa.insert(Donor.__table__),
                [
                    dict(
                        id=i,
                        public_id=str(uuid.uuid4()),
                        donor_type="individual",
                        first_name="Camille",
                        last_name=f"Martin {i}",
                        email=f"donor{i}@example.org",
                        address_line1="12 rue des Lilas",
                        postal_code="75013",
                        city="Paris",
                        country="FR",
                        locale="fr",
                        created_at=now,
                    )
                    for i in ids
                ],
            )
            conn.execute(
                sa.insert(Donation.__table__),
                [
                    dict(
                        id=i,
                        public_id=str(uuid.uuid4()),
                        donor_id=i,
                        kind="monthly",
                        tax_scheme="income_tax",
                        tax_rate=0.66,
                        tax_rules=rules,
                        amount_cents=1500,
                        ifi_cents=0,
                        currency="eur",
                        status="active",
                        livemode=False,
                        identity=_identity(i),
                        created_at=now,
                        updated_at=now,
                    )
                    for i in ids
                ],
            )
            if not payments_each:
                continue
            conn.execute(
                sa.insert(Payment.__table__),
                [
                    dict(
                        donation_id=i,
                        amount_cents=1500,
                        refunded_cents=0,
                        currency="eur",
                        method="card",
                        status="succeeded",
                        disputed=False,
                        livemode=False,
                        received_at=dt.datetime(year, month, 5, 9, 0, tzinfo=dt.UTC),
                        received_on=dt.date(year, month, 5),
                        created_at=now,
                    )
                    for i in ids
                    for month in range(1, payments_each + 1)
                ],
            )


ROWS_PER_INSERT = 1000
# The donor as each receipt's snapshot names them (what the CSV and the ZIP index list).
PRINTED_DONOR = {
    "donor_type": "individual",
    "first_name": "Camille",
    "last_name": "Martin",
    "company_name": "",
    "postal_code": "75013",
    "city": "Paris",
    "country": "FR",
}


def insert_receipts(session: Session, store: ReceiptStore, count: int, year: int, pdf: bytes) -> None:
    """`count` issued receipts of `year`, numbered from 1, all with the same PDF (its real size matters, not its text).

    Rows are inserted in bulk and files written without fsync: this builds a
    year's archive in seconds; the code under test reads them as any other.
    """
    donor = Donor(
        donor_type=DonorType.INDIVIDUAL,
        first_name="Camille",
        last_name="Martin",
        email="bulk@example.org",
        address_line1="12 rue des Lilas",
        postal_code="75013",
        city="Paris",
        country="FR",
    )
    session.add(donor)
    session.flush()
    sha = sha256_of(pdf)
    start = dt.datetime(year, 1, 2, 9, tzinfo=dt.UTC)
    for first in range(1, count + 1, ROWS_PER_INSERT):
        rows = []
        for sequence in range(first, min(first + ROWS_PER_INSERT, count + 1)):
            number = f"{year}-{sequence:06d}"
            rows.append(
                {
                    "number": number,
                    "year": year,
                    "sequence": sequence,
                    "form": ReceiptForm.INDIVIDUAL,
                    "kind": ReceiptKind.PER_GIFT,
                    "article": "200",
                    "donor_id": donor.id,
                    "amount_cents": 1000 + sequence,
                    "snapshot": {"number": number, "donor": PRINTED_DONOR},
                    "verification_code": f"code{sequence}",
                    "status": ReceiptStatus.ISSUED,
                    "livemode": False,
                    "issued_at": start + dt.timedelta(minutes=20 * sequence),
                    "pdf_sha256": sha,
                }
            )
            path = store.path_for(number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
        session.execute(insert(Receipt), rows)
    session.commit()
