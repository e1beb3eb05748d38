"""A real browser (Debian's Chromium driven by Playwright) on the live service and sandbox.

Skipped, with a message, where Chromium is not installed (`.ci/run` installs it).
Each step leaves a screenshot under tests/e2e/screenshots/; a failing test
also leaves the page's console log there.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import LAPTOP, PHONE, SCREENSHOTS
from tests.support.mailbox import Mailbox, smtp_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

NO_CHROMIUM = "Chromium is not installed: browser journeys skipped (apt-get install chromium)"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright; every test that needs it is skipped, saying why, without it."""
    if CHROMIUM is None:  # (a pytestmark in a conftest would not reach the test modules)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=["laptop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return LAPTOP if request.param == "laptop" else PHONE


class Steps:
    """Screenshots of each step, named after the test, and the console log."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.count = 0
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def shot(self, label: str) -> None:
        self.count += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.count:02d}-{label}.png"), full_page=True)

    def failed(self) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-FAILED.png"), full_page=True)
        (SCREENSHOTS / f"{self.name}-FAILED-console.log").write_text("\n".join(self.console) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        steps = getattr(item, "_steps", None)
        if steps is not None:
            steps.failed()


@pytest.fixture
def page(browser: Any, viewport: dict[str, int], request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    steps = Steps(page, request.node.name)
    request.node._steps = steps
    page.steps = steps
    yield page
    context.close()


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int]) -> dict[str, object]:
    """The live app sends its mail to the local SMTP server."""
    return smtp_settings(smtp)
