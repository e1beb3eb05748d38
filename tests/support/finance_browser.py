"""The back office in Chromium: a laptop-sized window in a thread of its own, the keyboard, axe-core."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "e2e" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
AXE = Axe()


def in_a_browser(shots: Path, journey: Callable[[Any], None]) -> None:
    """Run `journey(page)` in Chromium on a laptop-sized window, in a thread of its own.

    Playwright's sync API owns its thread's event loop, and tests/browser/ keeps
    one open in the main thread for the whole session.
    """

    def run() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_context(viewport=LAPTOP, locale="fr-FR").new_page()
                page.set_default_timeout(15000)
                page.shots = shots  # a screenshot of each page, to look at when the test fails
                journey(page)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def tab_to(page: Any, element_id: str, most: int = 30) -> None:
    """Press Tab until the element has the focus, as a keyboard user does."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def accessible(page: Any, label: str) -> None:
    page.screenshot(path=str(page.shots / f"{label}.png"), full_page=True)
    violations = AXE.run(page).response["violations"]
    bad = [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{label}: {bad}"
    # Nothing wider than a laptop's screen but the tables' own scrolling boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
