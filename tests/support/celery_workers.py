"""Real Celery worker processes, for the tests and benches that need them (their broker: tests/support/redis_databases.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def vm_hwm_mb(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class CeleryWorker:
    """One `celery -A wsgi:celery worker --pool=solo` process: one job at a time."""

    def __init__(self, env: dict[str, str], log: Path, name: str) -> None:
        self.log = log
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wsgi:celery",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def ready(self) -> bool:
        return "ready." in self.output()

    @property
    def jobs_received(self) -> int:
        return self.output().count("] received")

    @property
    def jobs_finished(self) -> int:
        """The jobs it ran to the end, succeeded or raised (Celery logs one line for each)."""
        output = self.output()
        return output.count("] succeeded in") + output.count("] raised")

    def has_open(self, path: Path) -> bool:
        """Whether the process holds `path` open now (e.g. a SQLite database a job is working on)."""
        target = str(path.resolve())
        for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return True
            except OSError:  # closed meanwhile
                continue
        return False

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, whatever it was doing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class CeleryWorkers:
    """`count` workers started together; waits until each is ready (or fails, showing their logs)."""

    def __init__(self, env: dict[str, str], directory: Path, count: int, prefix: str = "worker") -> None:
        self.workers = [CeleryWorker(env, directory / f"{prefix}{n}.log", f"{prefix}{n}") for n in range(count)]
        deadline = time.monotonic() + 60
        while not all(worker.ready for worker in self.workers):
            self.alive()
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Celery workers did not start within 60 s\n" + self.tail())
            time.sleep(0.1)

    def __getitem__(self, n: int) -> CeleryWorker:
        return self.workers[n]

    def alive(self) -> None:
        if any(worker.process.poll() is not None for worker in self.workers):
            raise RuntimeError("a Celery worker died\n" + self.tail())

    def tail(self) -> str:
        return "\n".join(worker.output()[-2000:] for worker in self.workers)

    def peak_mb(self) -> list[float]:
        return [vm_hwm_mb(worker.process.pid) for worker in self.workers]

    def stop(self) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.terminate()
        for worker in self.workers:
            worker.stop()
