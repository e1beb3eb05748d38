"""What the operators' side of the service remembers: the alerts raised, and the January batch runs."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column


class AlertState(Base):
    """One row per alert condition ever raised: raised (an email went out) until it clears.

    An alert is emailed once when its condition starts to hold, never again while it holds, and
    again only after it cleared and came back (`donations.operations.alerts`).
    """

    __tablename__ = "alert_state"

    condition: Mapped[str] = mapped_column(String(40), primary_key=True)
    raised: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What the last email said, for whoever looks at the table.
    detail: Mapped[str | None] = mapped_column(String(500))


class BatchRunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AnnualBatchRun(Base):
    """A run of `flask receipts annual`: when it started and ended, and how (the alerts read the last)."""

    __tablename__ = "annual_batch_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    status: Mapped[BatchRunStatus] = mapped_column(enum_column(BatchRunStatus, length=12))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The chunks of donors planned and those committed (by this process, or by the Celery workers).
    chunks: Mapped[int] = mapped_column(default=0)
    chunks_done: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    # Why the run, or one of its chunks, failed (a chunk retried by Celery may still succeed).
    error: Mapped[str | None] = mapped_column(Text)
