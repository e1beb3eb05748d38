"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each value can be overridden from the environment (GUNICORN_WORKERS, …).
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1
)
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# Stripe waits up to 30 s for a webhook answer; a request never needs longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows for weeks; not so often that
# booting a worker (about a second) weighs on the requests (bench/landing.py shows it).
max_requests = 20000
max_requests_jitter = 2000
# Behind a reverse proxy that sets X-Forwarded-Proto for HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The app reads its configuration once per worker, after the fork.
preload_app = False


# The metrics directory this master made (removed at exit), if it made one.
_made_here: list[str] = []


def on_starting(server):  # type: ignore[no-untyped-def]
    """Tell the app how many workers serve it (-w included): it warns at start-up when rate
    limits are counted per process (memory://) while several processes serve.

    With several workers, /metrics must add up the counts of all of them, whichever answers
    the scrape: prometheus-client's multiprocess mode, each worker writing its counts to
    PROMETHEUS_MULTIPROC_DIR (read when a worker first imports prometheus_client, after the
    fork: hence preload_app stays False). The directory is emptied at each start (the
    operator's, if set; else a fresh one, removed at exit). See docs/monitoring.md.
    """
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
    if server.cfg.workers > 1:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory, exist_ok=True)
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="donations-metrics-")
            _made_here.append(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker gone: its live gauges leave the sums (its counters' totals are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # type: ignore[no-untyped-def]
    for directory in _made_here:
        shutil.rmtree(directory, ignore_errors=True)


# LOG_FORMAT=json: gunicorn's own lines (start-up, workers, the access log) as the app's, one JSON
# object per line (donations/platform/logs.py); the access log on stdout, the rest on stderr.
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "formatters": {"json": {"()": "donations.platform.logs.JsonLines"}},
    }
