"""Webhook load, full form: 10 000 real events for 2 000 donations, 20 % sent twice, shuffled, from 8
concurrent senders, against gunicorn with 2 workers on PostgreSQL; events applied per second, against
the bare Flask page of bench/webhooks.py served the same way, measured in the same run.

It runs tests/load/test_webhook_load.py with LOAD_FULL=1 (so every check of the test holds on the
figure) on a database of its own, created and dropped here (`bench_webhook_load_<pid>` on the server of
TEST_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test), never the test database.

    PYTHONPATH=. .venv/bin/python bench/webhook_load.py [--sqlite] [--events N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import scratch_postgres
from bench.http_load import bare_page_rate, landing_html

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite instead of PostgreSQL")
    parser.add_argument("--events", type=int, help="a shorter run (LOAD_EVENTS) instead of the full 10 000")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TEST_DATABASE_URL", None)
    if args.events:
        env["LOAD_EVENTS"] = str(args.events)
    else:
        env["LOAD_FULL"] = "1"
    with contextlib.ExitStack() as stack:
        if not args.sqlite:
            env["TEST_DATABASE_URL"] = stack.enter_context(scratch_postgres("bench_webhook_load"))
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        report = Path(tmp) / "report.json"
        env["LOAD_REPORT"] = str(report)
        command = [sys.executable, "-m", "pytest", "tests/load/test_webhook_load.py", "-q", "-p", "no:logging", "-x"]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        if result.returncode != 0 or not report.exists():
            print(result.stdout[-6000:], result.stderr[-3000:], sep="\n")
            sys.exit(f"the webhook load test failed (exit {result.returncode})")
        figures = json.loads(report.read_text())
    with tempfile.TemporaryDirectory() as tmp:  # the anchor: the landing page's HTML, served bare
        bare = bare_page_rate(
            landing_html(
                {"SECRET_KEY": "bench" * 8, "DATABASE_URL": f"sqlite:///{tmp}/landing.sqlite", "LOG_LEVEL": "WARNING"}
            )
        )
    print(
        f"webhook load: {figures['events']} events for {figures['donations']} donations, {figures['deliveries']} deliveries "
        f"(20 % twice, shuffled), 8 senders, gunicorn 2 workers, {figures['database']}; all checks of the test passed "
        f"(gifts made at the sandbox in {figures['seconds_making']:.0f} s)"
    )
    print(
        f"events applied (signed, stored, fulfilled)          : {figures['events_per_second']:8.1f} /s  "
        f"({figures['deliveries_per_second']:.1f} deliveries/s, {figures['seconds_sending']:.1f} s)"
    )
    print(f"bare Flask page                                     : {bare:8.1f} req/s")
    print(f"ratio events / bare                                 : {figures['events_per_second'] / bare:8.2f}")


if __name__ == "__main__":
    main()
