"""Every figure a scrape or an alert run reads is answered from an index, never by reading a table
(the service is sized for 2 million stored events and 200 000 donors): the plans of the very
statements they send, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from donations.clock import utcnow
from donations.operations import figures

# receipt_sequence holds one row per year: reading it whole is what is meant.
SMALL_TABLES = ("receipt_sequence",)


def plans(db: Any) -> dict[str, str]:
    """Each statement the figures send, with its plan (PostgreSQL's with sequential scans discouraged)."""
    sent: list[tuple[str, Any]] = []
    with db.engine.connect() as connection:
        listener = lambda _c, _cursor, statement, parameters, _ctx, _many: sent.append((statement, parameters))  # noqa: E731
        event.listen(connection, "before_cursor_execute", listener)
        now = utcnow()
        figures.last_event_received_at(connection)
        figures.failed_events_waiting(connection)
        figures.receipts_issued_by_year(connection)
        figures.receipts_emailed_since(connection, figures.start_of_paris_year(now))
        figures.receipts_awaiting_email(connection)
        figures.receipts_awaiting_email(connection, issued_before=now - dt.timedelta(hours=1))
        figures.pdfs_awaiting_redraw(connection)
        event.remove(connection, "before_cursor_execute", listener)
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")
        found = {}
        for statement, parameters in sent:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = connection.exec_driver_sql(explain + statement, parameters).all()
            found[statement] = "\n".join(str(row[-1]) for row in rows)
    return found


def test_the_monitoring_figures_are_read_from_indexes(db: Any) -> None:
    found = plans(db)
    assert len(found) >= 6
    for statement, plan in found.items():
        if any(f"FROM {table}" in statement for table in SMALL_TABLES):
            continue
        if db.engine.dialect.name == "postgresql":
            assert "Seq Scan" not in plan, (statement, plan)
        else:
            scans = [line for line in plan.splitlines() if line.startswith("SCAN") and "INDEX" not in line]
            assert scans == [], (statement, plan)


def test_the_indexes_the_figures_need_exist(db: Any) -> None:
    inspector = sa.inspect(db.engine)
    indexed = {
        table: {tuple(index["column_names"]) for index in inspector.get_indexes(table)}
        for table in ("stripe_event", "receipt", "annual_batch_run")
    }
    assert {("received_at",), ("outcome",)} <= indexed["stripe_event"]
    assert {("emailed_at",), ("pdf_problem",)} <= indexed["receipt"]
    assert ("started_at",) in indexed["annual_batch_run"]
