"""The ZIP of every receipt issued in a period, with a CSV index, streamed as it is written.

`zipfile` writes into a sink that only collects bytes; after each receipt the
stream hands what was written to the client and forgets it. The sink cannot
seek, so `zipfile` puts each entry's sizes after its data (a data descriptor),
which every unzip tool reads. Receipts are read from the database in batches,
in the order of the (issued_at, id) index, once: the index's rows are spooled
beside them and copied in last. What stays in memory is one batch, one PDF,
the index's spool up to 4 MB (on disk past that), and the ZIP's central directory
(about half a kilobyte per receipt, which the format writes last): a year of
20 000 receipts, 960 MB of PDFs, streams with a peak under 20 MB
(bench/receipts_zip.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.finance.exports import (
    BOM,
    RECEIPT_COLUMNS,
    payments_traced,
    receipt_columns,
    receipt_row,
    with_replaced_number,
)
from donations.finance.search import paris_midnight
from donations.models import Donor, Receipt, ReceiptStatus

BATCH = 200
INDEX_NAME = "index.csv"
# The index's last column: whether the file is the PDF as issued or a cancelled receipt's stamped copy.
COPY_COLUMN = "copy"
AS_ISSUED, STAMPED = "as_issued", "stamped_cancelled"


@dataclass(frozen=True)
class Period:
    """Paris calendar days of issue, both included."""

    first: dt.date
    last: dt.date

    @property
    def slug(self) -> str:
        """How the period names the file: the year alone when it is one whole year."""
        if (self.first.month, self.first.day, self.last.month, self.last.day) == (
            1,
            1,
            12,
            31,
        ) and self.first.year == self.last.year:
            return str(self.first.year)
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def where(self) -> tuple[Any, ...]:
        return (
            Receipt.issued_at >= paris_midnight(self.first),
            Receipt.issued_at < paris_midnight(self.last + dt.timedelta(days=1)),
        )


def count_in(session: Session, period: Period) -> int:
    """How many receipts (issued or cancelled) were issued in the period."""
    return session.scalar(select(func.count()).select_from(Receipt).where(*period.where())) or 0


class _Sink:
    """A write-only file: what zipfile writes waits here until the stream takes it."""

    def __init__(self) -> None:
        # One growing buffer, not a list of pieces: closing the archive writes four small pieces per entry.
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _entry(name: str, instant: dt.datetime) -> zipfile.ZipInfo:
    local = instant.astimezone(PARIS)
    info = zipfile.ZipInfo(name, date_time=(local.year, local.month, local.day, local.hour, local.minute, local.second))
    # PDFs are already compressed; storing them costs no CPU and the archive is barely larger.
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


UNAVAILABLE_NOTE = (
    "Le PDF de ce reçu n'a pas pu être produit ; le problème est signalé sur le tableau de bord. "
    "Téléchargez-le à nouveau plus tard.\r\n"
)


def receipts_zip(session: Session, period: Period, pdf_of: Callable[[Receipt], bytes | None]) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk: each receipt's PDF as `<number>.pdf`, then `index.csv`.

    `pdf_of` answers the file to hand out: a cancelled receipt's copy stamped
    "ANNULÉ" (`donations.receipting.copies.receipt_copy`), as the index's `copy`
    column says; the stored PDFs are never changed.

    A PDF that cannot be drawn (`pdf_of` answers None; finance is told) is
    replaced by `<number>.pdf.indisponible.txt`: the archive is already on its
    way, and the other receipts must still reach the accountant.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w") as archive, _IndexSpool() as index:  # type: ignore[call-overload]  # a write-only sink is enough
        for batch in _batches(session, period):
            for receipt in batch:
                pdf = pdf_of(receipt)
                if pdf is None:
                    archive.writestr(
                        _entry(f"{receipt.number}.pdf.indisponible.txt", receipt.issued_at), UNAVAILABLE_NOTE
                    )
                else:
                    archive.writestr(_entry(f"{receipt.number}.pdf", receipt.issued_at), pdf)
                yield sink.take()
            index.add(session, [receipt.id for receipt in batch])
            for receipt in batch:
                session.expunge(receipt)  # done with: the session need not keep it
        yield from index.write_into(archive, sink)
    yield sink.take()


def _batches(session: Session, period: Period) -> Iterator[list[Receipt]]:
    """The period's receipts in the order they were issued, BATCH at a time, each batch read from
    the (issued_at, id) index where the last one stopped: the table is walked once, whatever its size."""
    after: tuple[dt.datetime, int] | None = None
    while True:
        query = select(Receipt).where(*period.where())
        if after is not None:
            query = query.where(tuple_(Receipt.issued_at, Receipt.id) > tuple_(*after))
        batch = list(session.scalars(query.order_by(Receipt.issued_at, Receipt.id).limit(BATCH)))
        if not batch:
            return
        yield batch
        after = (batch[-1].issued_at, batch[-1].id)


class _IndexSpool:
    """`index.csv` (one row per receipt, same columns as the receipts export), written batch by batch
    beside the PDFs into a temporary file (in memory while small, on disk past SPOOL_BYTES), then
    copied into the archive last: the rows come with the walk, no second one is needed."""

    SPOOL_BYTES = 4 * 1024 * 1024

    def __enter__(self) -> _IndexSpool:
        self._file = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, delimiter=";", lineterminator="\r\n")
        self._file.write(BOM)
        self._writer.writerow(("file", *RECEIPT_COLUMNS, COPY_COLUMN))
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, session: Session, receipt_ids: list[int]) -> None:
        query = with_replaced_number(
            select(*receipt_columns(), Receipt.id)
            .join(Donor, Donor.id == Receipt.donor_id)
            .where(Receipt.id.in_(receipt_ids))
        )
        rows = session.execute(query.order_by(Receipt.issued_at, Receipt.id)).all()
        traced = payments_traced(session, [row[0] for row in rows])
        for row in rows:
            # row: the receipt columns, then its id, then the number of the receipt it replaces.
            copy = STAMPED if row[3] == ReceiptStatus.CANCELLED else AS_ISSUED  # row[3]: the receipt's status
            self._writer.writerow((f"{row[0]}.pdf", *receipt_row(row[:-2], row[-1], traced[row[0]]), copy))

    def write_into(self, archive: zipfile.ZipFile, sink: _Sink) -> Iterator[bytes]:
        index = _entry(INDEX_NAME, dt.datetime.now(dt.UTC))
        index.compress_type = zipfile.ZIP_DEFLATED
        self._file.seek(0)
        with archive.open(index, mode="w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            while chunk := self._file.read(64 * 1024):
                text.write(chunk)
                text.flush()
                yield sink.take()
