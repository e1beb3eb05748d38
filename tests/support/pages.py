"""Pages as a person reads them and forms as a person fills them."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from donations.platform.jobs import wait_for_inline_jobs


def form_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (the CSRF token and the form's one-time token)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def csrf_token(page: str) -> str:
    return form_fields(page)["csrf_token"]


def confirm(client: FlaskClient, path: str, **data: str) -> Any:
    """Open an action's confirmation page, then post its form (hidden fields included) with `data`."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    answer = client.post(path, data={**form_fields(page.text), **data})
    # An action's emails leave after its answer: the test reads the state once they have.
    assert wait_for_inline_jobs(client.application)
    return answer


def text_of(html: str) -> str:
    """The page's text, tags removed and spaces collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
