"""A small HTTP load generator and gunicorn launcher shared by the benches (loopback only)."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5  # each figure is the median of this many 5-second runs
START_SECONDS = 90  # a loaded machine (the CI's, shared) can take a while to import the service twice
Send = Callable[[requests.Session, int], int]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -w WORKERS APP` on a free loopback port, stopped on exit."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--access-logfile",
                "/dev/null",
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        )
        # On a loaded machine the app's import alone can take tens of seconds.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.__exit__()  # never leave a server behind
        raise RuntimeError(f"gunicorn {app} did not start within {START_SECONDS} s")

    def getter(self, path: str) -> Send:
        """A `send` for `rate`: GET `path`, answering the status."""
        return lambda session, n: session.get(self.url + path).status_code

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # workers still finishing their requests on a loaded machine
            self.process.kill()
            self.process.wait(timeout=30)


def rate(send: Send, seconds: float = 5.0, clients: int = 8) -> tuple[float, int]:
    """Requests per second that `clients` threads get through in `seconds`, and the count of 5xx."""
    done = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        with requests.Session() as session:
            n = 0
            while time.monotonic() < stop:
                try:
                    status = send(session, index * 1_000_000 + n)
                except requests.RequestException:
                    status = 599
                n += 1
                done[index] += 1
                if status >= 500:
                    errors[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(errors)


def landing_html(env: dict[str, str]) -> str:
    """The landing page's HTML, as the service serves it with `env`."""
    with Gunicorn("wsgi:app", env) as service:
        return requests.get(service.url + "/", timeout=10).text


@contextlib.contextmanager
def bare_page(page_html: str) -> Iterator[None]:
    """bench/bare_page.html, the anchor's template, holding `page_html` as static text while in use."""
    page = ROOT / "bench" / "bare_page.html"
    page.write_text(page_html.replace("{", "&#123;").replace("}", "&#125;"))
    try:
        yield
    finally:
        page.unlink(missing_ok=True)


@dataclass(frozen=True)
class Paired:
    """Medians over alternating runs of a service and its anchor (req/s), and of their per-run ratio."""

    service: float
    anchor: float
    ratio: float
    errors: int


def paired_rates(service: Send, anchor: Send, rounds: int = ROUNDS) -> Paired:
    """Both warmed up, then measured in turn `rounds` times, so that drift on the machine weighs on both alike."""
    rate(service, seconds=1.0)
    rate(anchor, seconds=1.0)
    runs = []
    for _ in range(rounds):
        (service_rate, errors), (anchor_rate, _) = rate(service), rate(anchor)
        runs.append((service_rate, anchor_rate, errors))
    return Paired(
        service=statistics.median(r[0] for r in runs),
        anchor=statistics.median(r[1] for r in runs),
        ratio=statistics.median(r[0] / r[1] for r in runs),
        errors=sum(r[2] for r in runs),
    )


def bare_page_rate(page_html: str, env: dict[str, str] | None = None) -> float:
    """The anchor alone: requests per second of bench/bare_app.py serving `page_html` as its template (after a warm-up)."""
    with (
        bare_page(page_html),
        Gunicorn("bench.bare_app:app", env or {"SECRET_KEY": "bench" * 8, "LOG_LEVEL": "WARNING"}) as bare,
    ):
        send = bare.getter("/")
        rate(send, seconds=1.0)
        return statistics.median(rate(send)[0] for _ in range(ROUNDS))
