"""The audit trail read by keyset: pages that never skip or repeat an entry (ties on the instant included),
back and forth, one action only, a damaged cursor refused, and as few statements for page 3 as for page 1."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.finance import audit
from tests.support.statements import statements_of

AT = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def entries(app: Flask, count: int) -> None:
    """`count` downloads, three to each instant (ties broken by id), every fifth one a ZIP."""
    with app.app_context():
        for i in range(count):
            action = audit.RECEIPTS_ZIP if i % 5 == 0 else audit.RECEIPT_DOWNLOADED
            audit.record(
                db.session,
                None,
                action,
                ("receipt", f"2026-{i:06d}"),
                "10.0.0.1",
                {},
                AT + dt.timedelta(minutes=i // 3),
            )
        db.session.commit()


def targets(page: str) -> list[str]:
    return re.findall(r"receipt (2026-\d{6})", page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def test_the_pages_of_the_trail_cover_every_entry_once_newest_first_and_back(app: Flask, finance: FlaskClient) -> None:
    entries(app, 130)
    seen: list[str] = []
    pages = []
    path: str | None = "/finance/audit?lang=en"
    while path:
        page = finance.get(path)
        assert page.status_code == 200
        pages.append(page.text)
        seen.extend(targets(page.text))
        path = link(page.text, "next")
    expected = [f"2026-{i:06d}" for i in range(129, -1, -1)]
    assert seen == expected and len(pages) == 3
    back = finance.get(link(pages[2], "prev"))
    assert targets(back.text) == targets(pages[1])
    assert "First page" in pages[2] and "131 entries" in pages[0]  # and the sign-in


def test_one_action_pages_through_its_entries_only(app: Flask, finance: FlaskClient) -> None:
    entries(app, 300)
    first = finance.get(f"/finance/audit?action={audit.RECEIPTS_ZIP}&lang=en")
    assert "60 entries" in first.text
    second = finance.get(link(first.text, "next"))
    assert targets(first.text) + targets(second.text) == [f"2026-{i:06d}" for i in range(295, -1, -5)]
    assert link(second.text, "next") is None


def test_a_damaged_cursor_is_a_400_and_a_deep_page_costs_what_the_first_does(app: Flask, finance: FlaskClient) -> None:
    entries(app, 160)
    assert finance.get("/finance/audit?after=not-a-cursor").status_code == 400
    with statements_of(app) as first:
        page = finance.get("/finance/audit")
    path = link(page.text, "next")
    path = link(finance.get(path).text, "next")
    with statements_of(app) as third:
        assert finance.get(path).status_code == 200
    assert len(third) == len(first) <= 10
