"""LOG_FORMAT=json: under gunicorn, as in production, every line is one JSON object, a request's lines
carry its id and path, and no secret reaches them."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import requests

from donations.platform.logs import JsonLines
from stripe_sandbox import sign
from tests.support.gunicorn_server import Gunicorn
from tests.support.recorded_events import WEBHOOK_SECRET

SIGN_IN_TOKEN = "Zx9-secret-sign-in-token-abcdef0123456789"


def _lines(server: Gunicorn) -> list[dict[str, Any]]:
    text = server.log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # a line that is not one JSON object fails here
    assert all(isinstance(entry, dict) for entry in parsed)
    return parsed


def test_a_request_and_a_webhook_write_one_json_object_per_line(database_url: str, tmp_path: Path) -> None:
    settings = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    server = Gunicorn(database_url, "http://127.0.0.1:9", tmp_path, settings, workers=1, boot_seconds=60)
    try:
        page = requests.get(f"{server.url}/my/sign-in/{SIGN_IN_TOKEN}", timeout=10)
        body = json.dumps(
            {
                "id": "evt_json_logs_1",
                "object": "event",
                "type": "customer.created",
                "livemode": False,
                "created": int(time.time()),
                "api_version": "2025-08-27.basil",
                "data": {"object": {"id": "cus_json_logs", "object": "customer"}},
            }
        )
        signature = sign(body, WEBHOOK_SECRET)
        webhook = requests.post(
            f"{server.url}/stripe/webhook",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            timeout=10,
        )
        refused = requests.post(
            f"{server.url}/stripe/webhook", data=body, headers={"Stripe-Signature": "t=1,v1=00"}, timeout=10
        )
        assert webhook.status_code == 200, webhook.text
        assert refused.status_code == 400
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.log.read_text().count('"gunicorn.access"') < 3:
            time.sleep(0.1)
    finally:
        server.stop()

    lines = _lines(server)
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    access = [entry for entry in lines if entry["logger"] == "gunicorn.access"]
    assert any("GET /my/sign-in/[redacted]" in entry["message"] for entry in access)
    assert page.headers["X-Request-ID"] in {entry["request_id"] for entry in access}
    in_requests = [entry for entry in lines if entry["logger"].startswith("donations.fulfilment")]
    assert {entry["path"] for entry in in_requests} == {"/stripe/webhook"}
    ids = {entry["request_id"] for entry in in_requests}
    assert {webhook.headers["X-Request-ID"], refused.headers["X-Request-ID"]} <= ids
    assert any("evt_json_logs_1" in entry["message"] for entry in in_requests)
    text = server.log.read_text()
    for secret in (SIGN_IN_TOKEN, WEBHOOK_SECRET, signature, "gunicorn-test-secret-key"):
        assert secret not in text


def test_a_json_line_holds_the_traceback_and_none_of_the_extra_fields() -> None:
    try:
        raise RuntimeError("the relay refused")
    except RuntimeError:
        record = logging.LogRecord("donations.x", logging.ERROR, __file__, 1, "mail %s failed", ("r1",), sys.exc_info())
    record.password = "hunter2"  # an extra field a library attaches never reaches the line
    entry = json.loads(JsonLines().format(record))
    assert entry["message"] == "mail r1 failed" and entry["level"] == "ERROR" and entry["logger"] == "donations.x"
    assert "RuntimeError: the relay refused" in entry["exception"]
    assert "hunter2" not in json.dumps(entry)
