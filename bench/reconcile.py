"""`flask stripe reconcile` over a long outage: memory above its start and events per second.

    PYTHONPATH=. .venv/bin/python bench/reconcile.py [--count 100000] [--known 0.2] [--postgres]
        (target: at most 50 MB above its start for 100 000 events)

The Stripe sandbox (served by this process, in a thread) is filled in-process with `--count`
events spread over the last 29 days, as Stripe would hold them after an outage: expired
Checkout Sessions of donations that are not ours (recorded as ignored, without calling Stripe)
and, for a `--known` share of them, events already stored here as applied (the webhook had them:
skipped). The real command, `flask stripe reconcile`, then runs in a child process of its own
(its memory is its own, not the sandbox's) against the sandbox over HTTP, on a scratch database.

Memory is the child's resident set: its high-water mark (VmHWM, reset by writing "5" to
/proc/self/clear_refs once the app is built) less its resident set at that moment (VmRSS), so
imports and the app's start-up are not counted. With `--tracemalloc`, Python's own peak is
reported too (slower: not counted in the events per second). The run exits 1 when the high-water
is over the limit, or when an event was missed (every listed event stored here once, the counts
as made).

Measured (2 shared CPUs, SQLite on tmpfs, 20 % known): 10 000 events 11.0 MB above its start,
100 000 events 11.1 MB: flat, one window of at most 500 events held at a time. The events per
second (67 and 114 there, on a loaded machine) are mostly the sandbox's, which scans all its
events for each page of the listing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

LIMIT_MB = 50.0
DAY = 86_400


def _settings(database_url: str, stripe_url: str) -> dict[str, str]:
    return {
        "TESTING": "1",
        "SECRET_KEY": "bench" * 8,
        "DATABASE_URL": database_url,
        "STRIPE_API_BASE": stripe_url,
        "MAIL_SERVER": "",
        "LOG_LEVEL": "WARNING",
    }


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(database_url: str, stripe_url: str, traced: bool) -> None:
    """Run `flask stripe reconcile` here and print what it cost, as one JSON line on stdout's last line."""
    import tracemalloc

    from donations import create_app

    app = create_app(_settings(database_url, stripe_url))
    with app.app_context():
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        start_rss = _status_kb("VmRSS")
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        app.cli.main(args=["stripe", "reconcile"], standalone_mode=False)
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        high_water = _status_kb("VmHWM")
    print(
        json.dumps(
            {
                "start_rss_kb": start_rss,
                "high_water_kb": high_water,
                "tracemalloc_peak": peak,
                "seconds": seconds,
            }
        )
    )


def fill_sandbox(store, count: int, known_every: int, now: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` events over the last 29 days (oldest first, a few in the same second); the ids of those known here."""
    from stripe_sandbox.objects import build_event

    start, span = now - 29 * DAY, 29 * DAY - 60
    known: list[str] = []
    with store.lock:
        for i in range(count):
            session = {
                "id": f"cs_test_bench_{i:07d}",
                "object": "checkout.session",
                "status": "expired",
                "mode": "payment",
                "payment_status": "unpaid",
                "url": None,
                "metadata": {"donation_id": f"not-ours-{i}"},
            }
            event = build_event(
                created=start + (i * span) // count, event_type="checkout.session.expired", data_object=session
            )
            store.log_event(event)
            if known_every and i % known_every == 0:
                known.append(event["id"])
    return known


def store_as_known(engine: sa.Engine, ids: list[str]) -> None:
    from donations.models import StripeEvent

    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "stripe_id": i,
            "type": "checkout.session.expired",
            "livemode": False,
            "created": now,
            "payload": {"id": i},
            "outcome": "applied",
            "attempts": 1,
            "received_at": now,
        }
        for i in ids
    ]
    with engine.begin() as conn:
        for first in range(0, len(rows), 5000):
            conn.execute(sa.insert(StripeEvent), rows[first : first + 5000])


def run(count: int, known_share: float, postgres: bool, traced: bool) -> bool:
    import logging

    from flask_migrate import upgrade

    from bench.databases import scratch_postgres
    from donations import create_app
    from donations.extensions import db
    from donations.models import StripeEvent
    from stripe_sandbox import serve_in_thread

    with contextlib.ExitStack() as stack:
        # In memory when the machine has a tmpfs: each event's commit is measured, not the disk's flush.
        shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=shm)))
        url = stack.enter_context(scratch_postgres("bench_reconcile")) if postgres else f"sqlite:///{tmp}/bench.sqlite"
        sandbox = serve_in_thread()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request of the listing
        stack.callback(sandbox.stop)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "MAIL_SERVER": ""})
        known_every = round(1 / known_share) if known_share > 0 else 0
        known = fill_sandbox(sandbox.sandbox.store, count, known_every, int(time.time()))
        with app.app_context():
            upgrade()
            store_as_known(db.engine, known)
            db.engine.dispose()
        command = [sys.executable, __file__, "--child", "--database", url, "--stripe", sandbox.url]
        if traced:
            command.append("--tracemalloc")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
            print(f"reconcile exited {done.returncode}", file=sys.stderr)
            return False
        lines = done.stdout.strip().splitlines()
        figures = json.loads(lines[-1])
        summary = lines[-2] if len(lines) > 1 else ""
        with app.app_context():
            outcomes = dict(
                db.session.execute(sa.select(StripeEvent.outcome, sa.func.count()).group_by(StripeEvent.outcome)).all()
            )
            db.session.remove()
            db.engine.dispose()
    above_mb = (figures["high_water_kb"] - figures["start_rss_kb"]) / 1024
    rate = count / figures["seconds"]
    expected = f"{count} events listed, {len(known)} already known, 0 applied, 0 failed ({count - len(known)} recorded as ignored)"
    complete = summary == expected and outcomes == {"applied": len(known), "ignored": count - len(known)}
    traced_text = (
        f", tracemalloc peak {figures['tracemalloc_peak'] / 1024 / 1024:.1f} MB" if figures["tracemalloc_peak"] else ""
    )
    print(
        f"{count} events ({len(known)} known here): RSS high-water {above_mb:.1f} MB above its start "
        f"(VmHWM after clear_refs 5, start {figures['start_rss_kb'] / 1024:.0f} MB){traced_text}; "
        f"{figures['seconds']:.1f} s, {rate:.0f} events/s"
    )
    print(f"  the command said: {summary}")
    ok = True
    if not complete:
        print(f"!! events missed: expected {expected!r}, stored {outcomes}", file=sys.stderr)
        ok = False
    if above_mb > LIMIT_MB:
        print(f"!! {above_mb:.1f} MB above its start: over {LIMIT_MB:.0f} MB", file=sys.stderr)
        ok = False
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="events in Stripe's listing")
    parser.add_argument("--known", type=float, default=0.2, help="share of them already stored here")
    parser.add_argument("--postgres", action="store_true", help="on a scratch database of TEST_DATABASE_URL's server")
    parser.add_argument("--tracemalloc", action="store_true", help="also Python's peak (slower)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--stripe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database, args.stripe, args.tracemalloc)
        return
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    sys.exit(0 if run(args.count, args.known, args.postgres, args.tracemalloc) else 1)


if __name__ == "__main__":
    main()
