"""HTTP load from `wrk` (C, several connections): the server, not the client, sets the pace.

A Python client saturates before a small Flask app does, so a ratio measured
with one mostly compares the client with itself. `wrk` is installed from the
Debian package when it is missing (the benches run as root in CI).

POST bodies that must each be different (webhook events, each signed) are
written beforehand to a file, one request a line (`signature TAB body`); the
Lua script bench/wrk_requests.lua sends them in turn, each of wrk's threads
its own share, starting at an offset so that successive runs never repeat
an event.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUESTS_SCRIPT = HERE / "wrk_requests.lua"
THREADS = 2
CONNECTIONS = 8
SECONDS = 5
ROUNDS = 5


def ensure_wrk() -> str:
    """The path of `wrk`, installed with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return found


@dataclass(frozen=True)
class Run:
    rate: float  # requests per second
    requests: int
    failures: int  # non-2xx/3xx answers and socket errors
    next_offset: int = 0  # for POSTs from a file: the first line this run did not send
    failure_kinds: tuple[tuple[str, int], ...] = ()  # the failures by kind ("timeout": no answer within 2 s)


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def parse_wrk(output: str) -> Run:
    """The figures of wrk's summary."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    counts = (
        zip(("connect", "read", "write", "timeout"), (int(g) for g in errors.groups()), strict=True) if errors else ()
    )
    kinds = (("non-2xx", _number(r"Non-2xx or 3xx responses: (\d+)", output)), *counts)
    return Run(
        rate=float(rate.group(1)),
        requests=_number(r"(\d+) requests in", output),
        failures=_number(r"Non-2xx or 3xx responses: (\d+)", output) + socket_errors,
        next_offset=_number(r"next offset: (\d+)", output),
        failure_kinds=tuple((kind, count) for kind, count in kinds if count),
    )


def wrk_get(url: str, seconds: int = SECONDS) -> Run:
    """GET `url` as fast as the server answers, for `seconds`."""
    command = [ensure_wrk(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", url]
    return parse_wrk(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def write_requests(path: Path, lines: Iterable[tuple[str, str]]) -> int:
    """Write (signature, body) pairs for bench/wrk_requests.lua; answers how many."""
    count = 0
    with path.open("w") as out:
        for signature, body in lines:
            if "\n" in body or "\t" in signature:
                raise ValueError("a body must hold on one line")
            out.write(f"{signature}\t{body}\n")
            count += 1
    return count


def wrk_post(url: str, requests_file: Path, offset: int, seconds: int = SECONDS) -> Run:
    """POST the requests of `requests_file` from line `offset` on, each once, for `seconds`."""
    command = [
        ensure_wrk(),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "-s",
        str(REQUESTS_SCRIPT),
        url,
        "--",
        str(requests_file),
        str(offset),
        str(THREADS),
    ]
    return parse_wrk(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


@dataclass(frozen=True)
class Paired:
    """Medians over alternating runs of a service and its anchor (req/s), and of their per-run ratio."""

    service: float
    anchor: float
    ratio: float
    failures: int
    sent: int
    failure_kinds: str = ""  # e.g. "timeout 1": what the service's failures were


def paired(service: Callable[[int], Run], anchor: Callable[[int], Run], rounds: int = ROUNDS) -> Paired:
    """Both warmed up, then run in turn `rounds` times (drift on the machine weighs on both alike).

    Each callable gets the number of its run (0 is the warm-up), for the offset of its requests.
    """
    service(0)
    anchor(0)
    runs = [(service(n), anchor(n)) for n in range(1, rounds + 1)]
    return Paired(
        service=statistics.median(s.rate for s, _ in runs),
        anchor=statistics.median(a.rate for _, a in runs),
        ratio=statistics.median(s.rate / a.rate for s, a in runs),
        failures=sum(s.failures for s, _ in runs),
        sent=sum(s.requests for s, _ in runs),
        failure_kinds=", ".join(
            f"{kind} {count}"
            for kind, count in sum((Counter(dict(s.failure_kinds)) for s, _ in runs), Counter()).items()
        ),
    )
