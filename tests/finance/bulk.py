"""Many receipts at once, straight in the database and the PDF store (for the ZIP test and bench/receipts_zip.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.orm import Session

from donations.models import Donor, DonorType, Receipt, ReceiptForm, ReceiptKind, ReceiptStatus
from receipts.storage import ReceiptStore, sha256_of

ROWS_PER_INSERT = 1000
# The donor as each receipt's snapshot names them (what the CSV and the ZIP index list).
PRINTED_DONOR = {
    "donor_type": "individual", "first_name": "Camille", "last_name": "Martin", "company_name": "",
    "postal_code": "75013", "city": "Paris", "country": "FR",
}


def insert_receipts(session: Session, store: ReceiptStore, count: int, year: int, pdf: bytes) -> None:
    """`count` issued receipts of `year`, numbered from 1, all with the same PDF (its real size matters, not its text).

    Rows are inserted in bulk and files written without fsync: this builds a
    year's archive in seconds; the code under test reads them as any other.
    """
    donor = Donor(
        donor_type=DonorType.INDIVIDUAL, first_name="Camille", last_name="Martin", email="bulk@example.org",
        address_line1="12 rue des Lilas", postal_code="75013", city="Paris", country="FR",
    )
    session.add(donor)
    session.flush()
    sha = sha256_of(pdf)
    start = dt.datetime(year, 1, 2, 9, tzinfo=dt.timezone.utc)
    for first in range(1, count + 1, ROWS_PER_INSERT):
        rows = []
        for sequence in range(first, min(first + ROWS_PER_INSERT, count + 1)):
            number = f"{year}-{sequence:06d}"
            rows.append({
                "number": number, "year": year, "sequence": sequence, "form": ReceiptForm.INDIVIDUAL,
                "kind": ReceiptKind.PER_GIFT, "article": "200", "donor_id": donor.id, "amount_cents": 1000 + sequence,
                "snapshot": {"number": number, "donor": PRINTED_DONOR}, "verification_code": f"code{sequence}", "status": ReceiptStatus.ISSUED,
                "livemode": False, "issued_at": start + dt.timedelta(minutes=20 * sequence), "pdf_sha256": sha,
            })
            path = store.path_for(number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
        session.execute(insert(Receipt), rows)
    session.commit()
