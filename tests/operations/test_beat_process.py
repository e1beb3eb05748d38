"""The real `celery -A wsgi:celery beat` starts and loads the schedule, every entry at its task
(on a Redis database of the test's own; skipped without Redis). What each task does is tested
in-process (test_schedule.py): a beat and a worker together take too long to start here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from donations.platform.schedule import SCHEDULE
from tests.support.celery_workers import ROOT

BOUND = 30.0  # seconds for beat to start and list its schedule (about 15 s on a busy 2-CPU machine)


def _wait_for(predicate: Callable[[], bool], what: str, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + BOUND
    while not predicate():
        assert time.monotonic() < deadline, f"{what} within {BOUND} s\n" + log()[-3000:]
        time.sleep(0.2)


def test_celery_beat_starts_with_every_scheduled_command(database_url: str, tmp_path: Path, redis_url: str) -> None:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "beat-test",
        "FLASK_ENV_NAME": "development",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "STRIPE_WEBHOOK_SECRET": "whsec_test_suite",
        "MAIL_SERVER": "",
        "CELERY_BROKER_URL": redis_url,
        "RECEIPTS_DIR": str(tmp_path / "receipts"),
        "LOG_LEVEL": "INFO",
    }
    env = {**os.environ, **settings}
    beat_log = tmp_path / "beat.log"
    command = [sys.executable, "-m", "celery", "-A", "wsgi:celery", "beat", "--loglevel=DEBUG"]
    with beat_log.open("wb") as out:
        beat = subprocess.Popen(
            [*command, "-s", str(tmp_path / "beat-schedule")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(lambda: "Current schedule:" in beat_log.read_text(), "beat listed its schedule", beat_log.read_text)
        listed = beat_log.read_text()
        for entry in SCHEDULE:
            assert f"<ScheduleEntry: {entry.name} {entry.task_name}()" in listed
        assert "celery.backend_cleanup" not in listed  # no results are kept: nothing to clean
    finally:
        beat.terminate()
        beat.wait(timeout=30)
