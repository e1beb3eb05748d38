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
