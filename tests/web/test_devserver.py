"""`make run`'s server (donations/devserver.py) refuses to start on a port another process holds.

Each test runs the real entry point, `python -m donations.devserver`, in its own
process with its own settings, next to a real listener holding the port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """Another process's server: a socket listening on a loopback port, and counting who connects."""
    held = socket.create_server(("127.0.0.1", 0))
    held.settimeout(0.2)
    yield held
    held.close()


def devserver_env(tmp_path: Path, service_port: int, sandbox_port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "RUN_HOST": "127.0.0.1",
        "RUN_PORT": str(service_port),
        "STRIPE_SECRET_KEY": "",  # never a developer's key from .env: the sandbox
        "STRIPE_API_BASE": f"http://127.0.0.1:{sandbox_port}",
        "STRIPE_WEBHOOK_SECRET": "whsec_devserver_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite'}",
        "SECRET_KEY": "devserver-test-secret-key-0123456789abcdef",
        "FLASK_ENV_NAME": "development",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{service_port}",
        "RECEIPTS_DIR": str(tmp_path / "receipts"),
        "MAIL_SERVER": "",
        "CELERY_BROKER_URL": "",
        **extra,
    }


def run_devserver(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "donations.devserver"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def assert_free(port: int) -> None:
    """Nothing listens on the port (a connection left in TIME_WAIT does not count, as for a server)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def nobody_connected(held: socket.socket) -> bool:
    try:
        connection, _ = held.accept()
    except TimeoutError:
        return True
    connection.close()
    return False


def test_a_taken_sandbox_port_stops_the_start_with_a_message(listener: socket.socket, tmp_path: Path) -> None:
    taken = listener.getsockname()[1]
    service_port = free_port()
    done = run_devserver(devserver_env(tmp_path, service_port, taken))
    assert done.returncode == 2, done.stderr
    assert (
        f"Port {taken} on 127.0.0.1, where STRIPE_API_BASE says the Stripe sandbox listens, is already taken"
        in done.stderr
    )
    assert "set STRIPE_API_BASE to a free port in .env" in done.stderr
    assert "Traceback" not in done.stderr
    assert nobody_connected(listener)  # it did not talk to the other process's "sandbox"
    assert_free(service_port)  # and left the service's port free


def test_a_taken_service_port_stops_the_start_before_the_sandbox_starts(
    listener: socket.socket, tmp_path: Path
) -> None:
    taken = listener.getsockname()[1]
    sandbox_port = free_port()
    done = run_devserver(devserver_env(tmp_path, taken, sandbox_port))
    assert done.returncode == 2, done.stderr
    assert f"Port {taken} on 127.0.0.1 is already taken" in done.stderr and "set RUN_PORT to a free port" in done.stderr
    assert "Traceback" not in done.stderr
    assert_free(sandbox_port)  # no sandbox was left behind on its port


@pytest.mark.parametrize("value", ["http", "0", "70000"])
def test_a_malformed_run_port_is_named(tmp_path: Path, value: str) -> None:
    done = run_devserver(devserver_env(tmp_path, free_port(), free_port(), RUN_PORT=value))
    assert done.returncode == 2
    assert f"RUN_PORT must be a port number between 1 and 65535, not '{value}'." in done.stderr


def test_with_both_ports_free_the_service_and_its_own_sandbox_start(tmp_path: Path) -> None:
    service_port, sandbox_port = free_port(), free_port()
    env = devserver_env(tmp_path, service_port, sandbox_port)
    migrated = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    log = (tmp_path / "devserver.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "donations.devserver"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "devserver.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "devserver.log").read_text()
            try:
                if requests.get(f"http://127.0.0.1:{service_port}/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        # The sandbox on STRIPE_API_BASE is the one this server started: it sends its webhooks to it.
        status = requests.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/webhooks", timeout=5).json()
        assert status["url"] == f"http://127.0.0.1:{service_port}/stripe/webhook"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert_free(sandbox_port)  # stopping the server stopped its sandbox
