"""Landing page requests per second under gunicorn (2 workers), driven by `wrk`,
against a bare Flask page rendering a template of the same size, measured in
the same run.

Both servers run side by side; each is warmed up, then they are measured in
turn (bench/wrk_load.py's ROUNDS runs of 5 seconds each) and the ratio is
the median of the runs' ratios, so that drift on the machine weighs on both
alike. wrk, not a Python client, makes the load: a Python client saturates
before a bare Flask page does, and the ratio then measured the client.

    PYTHONPATH=. .venv/bin/python bench/landing.py     (target: ratio >= 0.9)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.http_load import Gunicorn, bare_page
from bench.wrk_load import ROUNDS, paired, wrk_get


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "LOG_LEVEL": "WARNING"}
        with Gunicorn("wsgi:app", env) as service:
            landing = requests.get(service.url + "/").text
            # The anchor renders a template of the same size: the landing page's own HTML, as static text.
            with bare_page(landing), Gunicorn("bench.bare_app:app", env) as bare:
                figures = paired(lambda _run: wrk_get(service.url + "/"), lambda _run: wrk_get(bare.url + "/"))
    print(
        f"landing page (gunicorn, 2 workers, wrk): {figures.service:8.1f} req/s  ({figures.failures} failures; medians of {ROUNDS} runs in turn)"
    )
    print(f"bare Flask page of the same size        : {figures.anchor:8.1f} req/s")
    print(
        f"ratio landing / bare                    : {figures.ratio:8.2f}  (target >= 0.90; median of the runs' ratios)"
    )


if __name__ == "__main__":
    main()
