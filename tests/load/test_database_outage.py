"""PostgreSQL stopped for a few seconds under webhook load: Stripe gets 5xx, its retries succeed, nothing is lost.

The sandbox delivers its events to the app under gunicorn (2 workers) as
Stripe does, one after another, retrying a failed delivery on its (compressed)
schedule. Sixty gifts are made on the site; while they are paid, refunded,
renewed and settled at the sandbox, and their events are being delivered, the
PostgreSQL cluster is stopped, kept down until the sandbox has seen its deliveries
fail (at least OUTAGE_FAILURES attempts answered 5xx), and started again. Then: the sandbox saw
failed attempts (the app answered 500 or 503 while the database was away), none is
pending or abandoned, every event is stored once and applied, every donation
is in its final state with one issued receipt per payment kept, and receipt
numbers run 1..K without gap or repeat. The app's pooled connections died with
the server; pool_pre_ping replaces them.

PostgreSQL only: skipped unless TEST_DATABASE_URL is set and its cluster (the
one in /etc/postgresql, cluster `main`) can be stopped and started from here
(`pg_ctlcluster --skip-systemctl-redirect VERSION main stop|start`, as root or
the cluster's owner), and skipped too while clients are connected to other
databases of the cluster (a bench, another run), which the outage would break;
other clients of the test database itself see it too. The cluster is always
started again, and answering, before the test ends.

Bounded: gunicorn 20 s to start, the outage 30 s at most (OUTAGE_LONGEST), PostgreSQL 60 s to answer
again, the sandbox 180 s to deliver everything (its retries give up after about
two minutes).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from donations.platform import stripe_api as payments
from stripe_sandbox import SandboxHandle, serve_in_thread
from tests.support.database import POSTGRES_URL
from tests.support.gift_mix import check_outcome, make_gifts
from tests.support.giving import Giving
from tests.support.gunicorn_server import Gunicorn
from tests.support.recorded_events import WEBHOOK_SECRET

GIFTS = 60
# The database stays down until Stripe (the sandbox) has seen this many failed deliveries, or at most
# OUTAGE_LONGEST seconds (then the test fails: the outage was never felt).
OUTAGE_FAILURES = 3
OUTAGE_LONGEST = 30.0
CLUSTER = "main"


def _cluster() -> tuple[str | None, str]:
    """The PostgreSQL version whose `main` cluster serves TEST_DATABASE_URL and can be stopped from here, or why not."""
    if not POSTGRES_URL:
        return None, "PostgreSQL only: set TEST_DATABASE_URL to run the database outage test"
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return None, "database outage test skipped: no pg_ctlcluster / /etc/postgresql to stop and start the cluster"
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if (p / CLUSTER).is_dir())
    if len(versions) != 1:
        return (
            None,
            f"database outage test skipped: expected one `{CLUSTER}` cluster in /etc/postgresql, found {versions}",
        )
    version = versions[0]
    url = sa.make_url(POSTGRES_URL)
    conf = Path("/etc/postgresql") / version / CLUSTER / "postgresql.conf"
    port = re.search(r"^\s*port\s*=\s*(\d+)", conf.read_text(errors="replace"), re.M) if conf.exists() else None
    if url.host not in ("127.0.0.1", "localhost", "::1") or (url.port or 5432) != int(port.group(1) if port else 5432):
        return (
            None,
            f"database outage test skipped: TEST_DATABASE_URL is not served by the local cluster {version}/{CLUSTER}",
        )
    data = Path("/var/lib/postgresql") / version / CLUSTER
    if os.geteuid() != 0 and (not data.exists() or data.stat().st_uid != os.geteuid()):
        return None, f"database outage test skipped: only root or the owner of cluster {version}/{CLUSTER} may stop it"
    status = subprocess.run(_control(version, "status"), capture_output=True, text=True, timeout=30)
    if status.returncode != 0:
        return (
            None,
            f"database outage test skipped: cluster {version}/{CLUSTER} is not running or not ours: {status.stdout}{status.stderr}",
        )
    return version, ""


def _control(version: str, action: str) -> list[str]:
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, CLUSTER, action]


VERSION, WHY_SKIPPED = _cluster()
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.serial,
    pytest.mark.skipif(VERSION is None, reason=WHY_SKIPPED),
]


def answers() -> bool:
    url = sa.make_url(POSTGRES_URL)
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=2,
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def other_databases_in_use() -> list[str]:
    """The other databases of the cluster that clients are connected to (a bench, another run): not ours to stop."""
    url = sa.make_url(POSTGRES_URL)
    with psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=5,
    ) as conn:
        rows = conn.execute(
            "SELECT DISTINCT datname FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND datname IS DISTINCT FROM current_database()"
        ).fetchall()
    return sorted(str(name) for (name,) in rows)


def start_cluster_and_wait(version: str, timeout: float = 60.0) -> None:
    """Start the cluster (if it is not running) and wait until it answers queries."""
    deadline = time.monotonic() + timeout
    while not answers():
        if subprocess.run(_control(version, "status"), capture_output=True, timeout=30).returncode != 0:
            subprocess.run(_control(version, "start"), capture_output=True, timeout=60)
        assert time.monotonic() < deadline, f"PostgreSQL {version}/{CLUSTER} did not answer within {timeout:.0f} s"
        time.sleep(0.2)


class Outage(threading.Thread):
    """Once some events went through, stop the cluster until deliveries fail, then start it again."""

    def __init__(self, version: str, sandbox: SandboxHandle) -> None:
        super().__init__(name="database-outage", daemon=True)
        self.version = version
        self.sandbox = sandbox
        self.go = threading.Event()
        self.cancelled = False  # set before `go` when the test failed first: no outage then
        self.at_stop: dict[str, Any] = {}
        self.at_start: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.stopped_at: float | None = None
        self.down_seconds = 0.0

    def run(self) -> None:
        try:
            self.go.wait()
            if self.cancelled:
                return
            deadline = time.monotonic() + 30
            while self.sandbox.sandbox.webhook_status()["delivered"] < 20 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.at_stop = self.sandbox.sandbox.webhook_status()
            self.stopped_at = time.monotonic()
            stopped = subprocess.run(_control(self.version, "stop"), capture_output=True, text=True, timeout=60)
            assert stopped.returncode == 0, stopped.stdout + stopped.stderr
            felt = self.at_stop["failed_attempts"] + OUTAGE_FAILURES
            deadline = time.monotonic() + OUTAGE_LONGEST
            while self.sandbox.sandbox.webhook_status()["failed_attempts"] < felt:
                assert time.monotonic() < deadline, (
                    f"no {OUTAGE_FAILURES} failed deliveries within {OUTAGE_LONGEST:.0f} s of the database stopping:"
                    f" {self.sandbox.sandbox.webhook_status()}"
                )
                time.sleep(0.05)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            try:
                start_cluster_and_wait(self.version)
            except BaseException as error:
                self.error = self.error or error
            self.at_start = self.sandbox.sandbox.webhook_status()
            if self.stopped_at is not None:
                self.down_seconds = time.monotonic() - self.stopped_at


@pytest.fixture
def delivering_sandbox() -> Iterator[SandboxHandle]:
    """A sandbox that sends every event to the app (its address set once gunicorn runs), held until then."""
    handle = serve_in_thread(
        {"webhook_url": "http://127.0.0.1:9/stripe/webhook", "webhook_secret": WEBHOOK_SECRET, "sepa_delay": -1}
    )
    assert handle.sandbox.dispatcher is not None
    handle.sandbox.dispatcher.pause()
    yield handle
    handle.stop()


@pytest.fixture
def app_server(database_url: str, delivering_sandbox: SandboxHandle, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(database_url, delivering_sandbox.url, tmp_path)
    dispatcher = delivering_sandbox.sandbox.dispatcher
    assert dispatcher is not None
    dispatcher.url = f"{server.url}/stripe/webhook"
    dispatcher.resume()
    yield server
    server.stop()


def webhook_statuses(server: Gunicorn) -> Counter[str]:
    """The statuses of the webhook requests in gunicorn's access log."""
    return Counter(re.findall(r'"POST /stripe/webhook HTTP/1\.1" (\d{3})', server.log.read_text(errors="replace")))


def test_database_stopped_under_webhook_load_loses_nothing(
    app_server: Gunicorn, delivering_sandbox: SandboxHandle, database_url: str
) -> None:
    assert VERSION is not None
    in_use = other_databases_in_use()
    if in_use:
        pytest.skip(
            f"database outage test skipped: other clients use this cluster ({', '.join(in_use)}); stopping it would break them"
        )
    sandbox = delivering_sandbox
    client = payments.make_client({"STRIPE_USES_SANDBOX": True, "STRIPE_API_BASE": sandbox.url})
    outage = Outage(VERSION, sandbox)
    outage.start()
    try:
        # The donors fill the form while the database is up; the outage starts as soon as their
        # gifts are being paid, refunded and renewed at Stripe, and the events delivered.
        gifts = make_gifts(lambda n: Giving(app_server.url, sandbox.url, client), GIFTS, after_giving=outage.go.set)
        outage.join(timeout=OUTAGE_LONGEST + 150)
        assert not outage.is_alive(), "the outage thread did not finish"
        if outage.error is not None:
            raise outage.error
        delivered_all = sandbox.sandbox.wait_for_webhooks(timeout=180)
    finally:
        outage.cancelled = not outage.go.is_set()
        outage.go.set()
        outage.join(timeout=150)
        start_cluster_and_wait(VERSION)  # whatever happened: the cluster runs and answers for the next tests

    status = sandbox.sandbox.webhook_status()
    summary = {k: status[k] for k in ("pending", "delivered", "failed_attempts", "abandoned")}
    assert outage.at_stop["pending"] > 0, f"the database was stopped with no webhook under way: {outage.at_stop}"
    assert delivered_all, f"the sandbox still has webhooks to deliver: {summary}"
    assert status["failed_attempts"] > 0, f"Stripe saw no failure while the database was down: {summary}"
    assert status["pending"] == 0 and status["abandoned"] == 0, summary
    answered = webhook_statuses(app_server)
    # 5xx during the outage, nothing else: 500 when the event's transaction failed, 503 when the
    # database could not even be reached to store it (donations/platform/web.py).
    failures = answered["500"] + answered["503"]
    assert failures > 0 and set(answered) <= {"200", "500", "503"}, answered
    assert failures == status["failed_attempts"], (answered, summary)

    events = {event["id"]: event for event in payments.list_events(client, 0)}
    assert status["delivered"] == len(events), summary  # each event delivered (taken) exactly once
    engine = sa.create_engine(database_url)
    try:
        check_outcome(engine, gifts, events, applied_once=False)
    finally:
        engine.dispose()
    print(
        f"\ndatabase outage: {len(events)} events for {len(gifts)} gifts; sandbox {summary}; "
        f"app answered {dict(answered)}; database away {outage.down_seconds:.1f} s, from {outage.at_stop['delivered']} delivered "
        f"and {outage.at_stop['pending']} pending to {outage.at_start['delivered']} and {outage.at_start['pending']}"
    )
