"""The app under gunicorn, configured only by its environment, as in production."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from stripe_sandbox import SandboxHandle
from tests.support.network import free_port
from tests.support.recorded_events import WEBHOOK_SECRET

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    """`gunicorn -w 2 wsgi:app` on a free port, configured only by its environment, as in production."""

    def __init__(
        self,
        database_url: str,
        sandbox_url: str,
        directory: Path,
        settings: dict[str, str] | None = None,
        workers: int = 2,
        boot_seconds: float = 60,
    ) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = directory / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
            "FLASK_ENV_NAME": "development",
            "STRIPE_SECRET_KEY": "",  # never a developer's key from .env: the sandbox only
            "STRIPE_API_BASE": sandbox_url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "MAIL_SERVER": "",
            "CELERY_BROKER_URL": "",
            "RECEIPTS_DIR": str(directory / "receipts"),
            "LOG_LEVEL": "WARNING",
            # A scripted harness: many gifts from one address in seconds (docs/security.md).
            "CHECKOUT_LIMITS": "off",
            **(settings or {}),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            self.url.removeprefix("http://"),
            "--timeout",
            "30",
            "wsgi:app",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_serving(deadline=time.monotonic() + boot_seconds)
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self, deadline: float) -> None:
        probe = f"{self.url}/api/tax-reduction?amount=100&scheme=income_tax"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_tail()
            try:
                if requests.get(probe, timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start in time\n" + self.log_tail())

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def errors(self) -> str:
        """The log's error lines (gunicorn.conf.py also writes an access line per request)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if "Error" in line or "Traceback" in line)[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def gunicorn(database_url: str, sandbox: SandboxHandle, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(database_url, sandbox.url, tmp_path)
    yield server
    server.stop()
