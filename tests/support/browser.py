"""What the browser journeys share: the accessibility check (axe) and the donor's part of the form."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def assert_accessible(page: Any, label: str) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    page.steps.shot(label)
    results = AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{label}: {bad}"


def fill_donor(page: Any, english: bool = True) -> None:
    labels = (
        {"First names": "Camille", "Last name": "Martin", "Email": "camille.martin@example.org",
         "Address": "12 rue des Lilas", "Postal code": "75013", "City": "Paris"}
        if english else
        {"Prénom(s)": "Camille", "Nom": "Martin", "Adresse e-mail": "camille.martin@example.org",
         "Adresse": "12 rue des Lilas", "Code postal": "75013", "Ville": "Paris"}
    )
    for label, value in labels.items():
        page.get_by_label(label, exact=True).fill(value)
    page.locator("#consent").check()
