"""Landing page requests per second under gunicorn (2 workers), against a bare
Flask page rendering a template of the same size, measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/landing.py     (target: ratio >= 0.8)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.http_load import Gunicorn, rate  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SECRET_KEY": "bench" * 8, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "LOG_LEVEL": "WARNING"}
        with Gunicorn("wsgi:app", env) as service:
            landing = requests.get(service.url + "/").text
            # The anchor renders a template of the same size (the landing page's own HTML, as static text).
            (HERE / "bare_page.html").write_text(landing.replace("{", "&#123;").replace("}", "&#125;"))
            service_rate, service_errors = rate(lambda s, n: s.get(service.url + "/").status_code)
        with Gunicorn("bench.bare_app:app", env) as bare:
            bare_rate, _ = rate(lambda s, n: s.get(bare.url + "/").status_code)
        (HERE / "bare_page.html").unlink()
    print(f"landing page (gunicorn, 2 workers): {service_rate:8.1f} req/s  ({service_errors} errors)")
    print(f"bare Flask page of the same size   : {bare_rate:8.1f} req/s")
    print(f"ratio landing / bare               : {service_rate / bare_rate:8.2f}  (target >= 0.80)")


if __name__ == "__main__":
    main()
