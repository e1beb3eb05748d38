"""stripe_sandbox/README.md lists every `/_sandbox` control the sandbox serves."""

from __future__ import annotations

import re
from pathlib import Path

from stripe_sandbox import create_sandbox_app

README = Path(__file__).resolve().parents[2] / "stripe_sandbox" / "README.md"


def test_every_sandbox_control_is_in_the_readme():
    app = create_sandbox_app()
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/_sandbox"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "<>", rule.rule)
            served |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {
        re.sub(r"<[^>]+>", "<>", entry)
        for entry in re.findall(r"`((?:GET|POST|DELETE) /_sandbox[^`]*)`", README.read_text())
    }
    assert served, "the sandbox serves no /_sandbox control"
    assert sorted(served - listed) == [], "controls missing from stripe_sandbox/README.md"
    assert sorted(listed - served) == [], "the README lists controls the sandbox does not serve"


def test_every_api_route_is_listed_as_called_by_the_service_or_kept_for_tests() -> None:
    """The sandbox stays small and apart: each /v1 route is one the service calls, or is marked as
    kept for the sandbox's own tests."""
    app = create_sandbox_app()
    served = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    text = README.read_text()
    called = text.split("What the donation service calls", 1)[1].split("Kept for the sandbox's own tests", 1)[0]
    kept = text.split("Kept for the sandbox's own tests", 1)[1]
    listed_called = set(re.findall(r"`((?:GET|POST|DELETE) /v1[^`]*)`", called))
    listed_kept = set(re.findall(r"`((?:GET|POST|DELETE) /v1[^`]*)`", kept))
    assert sorted(served - listed_called - listed_kept) == [], "routes missing from stripe_sandbox/README.md"
    assert not listed_called & listed_kept
    # A route the service calls is one its gateway names (the resource appears in a client.v1 call, or is
    # the path of a plain read: `_get(client, "invoices", ...)`).
    gateway = "".join(
        (README.parents[1] / "donations" / "platform" / name).read_text()
        for name in ("stripe_api.py", "stripe_account.py")
    )
    for entry in listed_called:
        resource = entry.split()[1].split("/")[2]
        named = f".{resource}." in gateway or f'_get(client, "{resource}' in gateway
        assert named or (resource == "account" and "accounts" in gateway), entry
