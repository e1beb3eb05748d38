"""The back office and the portal on a large history: statements, slowest plan node and median time per page.

A PostgreSQL database of its own (on the server of TEST_DATABASE_URL, dropped
afterwards) gets the history of `--donors` donors (bench/finance_data.py: by
default 20 000, about 34 000 gifts, 140 000 payments, 22 000 receipts and
200 000 stored events; `--donors 200000` for the issue's foundation, a few
minutes to build). Each page is asked for through the app by a signed-in
finance user (the portal's by a signed-in donor) several times; every SELECT
of one request is then run again under EXPLAIN ANALYZE, and the slowest node
of all its plans is printed, with any sequential scan of a table over
10 000 rows.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_h7 \\
        PYTHONPATH=. .venv/bin/python bench/finance_pages.py [--donors 200000] [--runs 7] [--keep NAME]

The history goes in with COPY, around the ORM; the dashboard's rollups are then rebuilt from it
(donations.finance.rollups.rebuild), as `flask finance rebuild-rollups` does after a bulk load.
`--keep NAME` builds in the database NAME and keeps it: a second run on it measures again at once.

Targets (issue #20, at 200 000 donors): every page at most 10 statements and 150 ms median, no sequential
scan of a table over 10 000 rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.databases import scratch_postgres
from bench.finance_data import Landmarks, build, landmarks
from donations import create_app
from donations.clock import utcnow
from donations.extensions import db
from donations.finance.keyset import encode_cursor
from donations.finance.rollups import rebuild
from donations.finance.staff import create_staff, staff_by_email
from donations.models import AuditEntry, Donation, Donor, StaffRole
from donations.portal import sign_in as portal_access

PASSWORD = "correct horse battery staple"
STAFF = "compta@fondation.example"
BIG_TABLE = 10_000
BIG_TABLES = ("donor", "donation", "payment", "receipt", "receipt_payment", "stripe_event", "audit_entry")


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found.extend(_nodes(child))
    return found


def _self_ms(node: dict[str, Any]) -> float:
    total = node.get("Actual Total Time", 0.0) * node.get("Actual Loops", 1)
    children = sum(c.get("Actual Total Time", 0.0) * c.get("Actual Loops", 1) for c in node.get("Plans", []))
    return max(0.0, total - children)


def _describe(node: dict[str, Any]) -> str:
    where = node.get("Relation Name") or node.get("Index Name") or ""
    index = f" using {node['Index Name']}" if node.get("Index Name") and node.get("Relation Name") else ""
    return f"{node['Node Type']}{' on ' + where if where else ''}{index}"


class Recorder:
    """The SELECTs of one request, with their parameters, to explain afterwards."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        self.seen.append((statement, parameters))


def explain(engine: sa.Engine, statements: list[tuple[str, Any]], sizes: dict[str, int]) -> tuple[str, list[str]]:
    """The slowest node over the plans of `statements`, and the sequential scans of big tables."""
    slowest: tuple[float, str] = (0.0, "-")
    scans: list[str] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            for node in _nodes(plan):
                ms = _self_ms(node)
                if ms > slowest[0]:
                    slowest = (ms, _describe(node))
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and sizes.get(table, 0) > BIG_TABLE:
                    scans.append(f"{table} ({sizes[table]} rows)")
        raw.rollback()
    finally:
        raw.close()
    return f"{slowest[1]} {slowest[0]:.1f} ms", sorted(set(scans))


def _prepare(app: Any, donors: int, kept: bool) -> tuple[Landmarks, dict[str, int], str, str, str]:
    """The history built (or found, when kept), the rollups rebuilt, a finance account and a donor's sign-in."""
    with app.app_context():
        upgrade()
        built = db.session.scalar(sa.select(sa.func.count()).select_from(Donor)) if kept else 0
        if not built:
            build(db.engine, donors)
            # The history went in with Core: the dashboard's rollups are recomputed as after a bulk load.
            rebuild(db.session)
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        with db.engine.connect() as conn:
            marks = landmarks(conn, donors)
        sizes = {
            t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
            for t in (*BIG_TABLES, "finance_day", "finance_donor_period")
        }
        if staff_by_email(db.session, STAFF) is None:
            create_staff(db.session, STAFF, StaffRole.FINANCE, PASSWORD)
        token = portal_access.create_sign_in(db.session, marks.email.lower(), utcnow())
        middle = db.session.scalars(
            sa.select(Donation)
            .order_by(Donation.created_at.desc(), Donation.id.desc())
            .offset(sizes["donation"] // 2)
            .limit(1)
        ).one()
        deep = encode_cursor(middle.created_at, middle.id)
        entry = db.session.scalars(
            sa.select(AuditEntry)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(sizes["audit_entry"] // 2)
            .limit(1)
        ).one()
        deep_audit = encode_cursor(entry.at, entry.id)
        mine = db.session.scalars(
            sa.select(Donation.public_id)
            .join(Donor, Donor.id == Donation.donor_id)
            .where(sa.func.lower(Donor.email) == marks.email.lower())
            .order_by((Donation.kind == "monthly").desc())
        ).first()
        db.session.commit()
    return marks, sizes, token, deep + " " + deep_audit, mine or marks.public_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--donors", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7, help="requests per page (the median is printed)")
    parser.add_argument(
        "--keep", metavar="NAME", help="build in the database NAME and keep it; a later run with it skips the build"
    )
    parser.add_argument("--only", help="measure only the pages whose name holds one of these words (comma-separated)")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with scratch_postgres("bench_finance", keep=args.keep) as url:
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "MAIL_SERVER": ""}
        )
        started = time.monotonic()
        marks, sizes, token, cursors, my_gift = _prepare(app, args.donors, bool(args.keep))
        deep, deep_audit = cursors.split()
        with app.app_context():
            engine = db.engine
        print(f"ready in {time.monotonic() - started:.0f} s: " + ", ".join(f"{n} {t}" for t, n in sizes.items()))
        finance = app.test_client()
        assert finance.post("/finance/login", data={"email": STAFF, "password": PASSWORD}).status_code == 303
        donor = app.test_client()
        assert donor.post("/my/sign-in", data={"token": token}).status_code == 303
        year = utcnow().year
        month = utcnow().date().replace(day=1)
        pages = [
            (finance, "dashboard", "/finance/"),
            (finance, "donations, first page", "/finance/donations"),
            (finance, "donations, a page in the middle", f"/finance/donations?after={deep}"),
            (finance, "donations by amount", "/finance/donations?sort=amount&order=asc"),
            (finance, "search a name (lefevre)", "/finance/donations?q=lefevre"),
            (finance, "search a receipt number", f"/finance/donations?q={marks.receipt_number}"),
            (finance, "search an email", f"/finance/donations?q={marks.email}"),
            (finance, "search a SIREN", f"/finance/donations?q={marks.siren}"),
            (finance, "search a PaymentIntent id", f"/finance/donations?q={marks.intent_id}"),
            (finance, "a donation", f"/finance/donations/{marks.public_id}"),
            (finance, "receipts of this year", "/finance/receipts"),
            (finance, "declaration", f"/finance/declaration?year={year - 1}"),
            (finance, "audit trail", "/finance/audit"),
            (finance, "audit trail, a page in the middle", f"/finance/audit?after={deep_audit}"),
            (finance, "audit trail, one action", "/finance/audit?action=receipt_downloaded"),
            (finance, "failed payments", "/finance/payments/failed"),
            (finance, "reports", f"/finance/reports?year={year}"),
            (finance, "accounting", "/finance/accounting"),
            (finance, "payouts", "/finance/payouts"),
            (finance, "bank statements", "/finance/bank"),
            (finance, "deposit slips", "/finance/deposits"),
            (finance, "receipts to post", "/finance/gifts/to-post"),
            (finance, "record a gift (form)", "/finance/gifts/new"),
            (finance, "campaigns", "/finance/campaigns"),
            (finance, "tributes", "/finance/tributes"),
            (
                finance,
                "donations CSV, one month",
                f"/finance/donations.csv?date_from={month}&date_to={utcnow().date()}",
            ),
            (donor, "portal: my gifts", "/my/gifts"),
            (donor, "portal: one gift", f"/my/gifts/{my_gift}"),
            (donor, "portal: address", "/my/address"),
            (donor, "portal: my data (JSON)", "/my/data.json"),
            (donor, "portal: erase (form)", "/my/erase"),
        ]
        print(
            f"{'page':34} {'stmts':>5} {'median':>9}  slowest plan node; sequential scans of tables over {BIG_TABLE} rows"
        )
        wanted = [w.strip() for w in (args.only or "").split(",") if w.strip()]
        for browser, name, path in pages:
            if wanted and not any(w in name for w in wanted):
                continue
            recorder = Recorder()
            times = []
            status = 200
            for run in range(args.runs):
                if run == args.runs - 1:
                    sa.event.listen(engine, "before_cursor_execute", recorder)
                began = time.perf_counter()
                answer = browser.get(path)
                answer.get_data()
                times.append((time.perf_counter() - began) * 1000)
                if run == args.runs - 1:
                    sa.event.remove(engine, "before_cursor_execute", recorder)
                status = answer.status_code
            slowest, scans = explain(engine, recorder.seen, sizes)
            print(
                f"{name:34} {len(recorder.seen):5d} {statistics.median(times):7.1f} ms  {slowest}"
                f"{'; SEQ SCAN ' + ', '.join(scans) if scans else ''}{f'; HTTP {status}' if status != 200 else ''}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
