"""What a person sees, in a real browser: giving, form errors, the IFI cap, the keyboard,
and accessibility (axe-core) on every page of those journeys, on a laptop and a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from donations.extensions import db
from tests.support.browser import assert_accessible, fill_donor, pay_on_checkout, wait_for_thanks
from tests.support.factories import as_if_last_year
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox

NBSP = "\u00a0"


def test_monthly_gift_from_the_article_to_the_receipt(page: Any, live: Live, smtp: tuple[Mailbox, int]) -> None:
    mailbox, _ = smtp
    page.goto(live.url + "/")
    expect(page.locator("h1")).to_have_text("La dystonie")
    expect(page.locator("#net-cost-text")).to_have_text(f"soit 34,00{NBSP}€ après réduction d'impôt de 66{NBSP}%")
    assert_accessible(page, "article-fr")

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Dystonia")
    page.evaluate("window.__noReload = true")
    page.locator("label[for=kind-monthly]").click()
    page.locator("label[for=preset-other]").click()
    page.locator("#other-amount").fill("15")
    expect(page.locator("#net-cost-text")).to_contain_text(f"5,10{NBSP}€ a month")
    expect(page.locator("#net-cost-text")).to_contain_text(f"61,20{NBSP}€ a year")
    assert page.evaluate("window.__noReload") is True, "the net cost must update without a reload"
    assert_accessible(page, "widget-monthly-15-en")

    page.get_by_role("button", name="Donate").click()
    expect(page.locator("#donate-title")).to_have_text("Make a donation")
    expect(page.locator("#amount")).to_have_value("15")
    expect(page.locator("input[name=kind][value=monthly]")).to_be_checked()
    assert_accessible(page, "donation-form")
    fill_donor(page)
    page.get_by_role("button", name="Continue to secure payment").click()
    pay_on_checkout(page, live)
    wait_for_thanks(page, live, "Thank you, we have received your gift")
    expect(page.locator("#donation-status")).to_contain_text(f"15,00{NBSP}€")
    assert_accessible(page, "thanks")

    # A monthly gift's receipt is the annual recap, emailed by the January batch.
    with live.app.app_context():
        year = str(as_if_last_year(db.session))  # as in January: the year of the gift is over
    result = live.app.test_cli_runner().invoke(args=["receipts", "annual", "--year", year])
    assert "1 annual receipt(s) issued" in result.output, result.output
    welcome, message = mailbox.wait_for(2)  # the monthly welcome came first, at the gift's start
    assert welcome["Subject"].startswith("Welcome")
    assert message["To"] == "camille.martin@example.org"
    assert message["Subject"].startswith("Your tax receipt no.")


def test_form_errors_stand_next_to_their_fields_and_keep_what_was_typed(page: Any, live: Live) -> None:
    page.goto(live.url + "/donate?kind=one_off&amount=50")
    page.get_by_label("Prénom(s)").fill("Camille")
    page.get_by_label("Adresse e-mail").fill("camille-at-example")
    page.get_by_label("Code postal").fill("750")
    page.get_by_label("Montant en euros").fill("12,345")
    page.get_by_role("button", name="Continue vers le paiement sécurisé".replace("Continue", "Continuer")).click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#email-error")).to_have_text(
        "Veuillez saisir une adresse e-mail valide, par exemple nom@exemple.fr."
    )
    expect(page.locator("#postal_code-error")).to_contain_text("cinq chiffres")
    expect(page.locator("#last_name-error")).to_have_text("Veuillez saisir votre nom.")
    expect(page.locator("#amount-error")).to_contain_text("deux décimales")
    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value("camille-at-example")
    expect(page.locator("#first_name")).to_have_value("Camille")
    expect(page.locator("#amount")).to_have_value("12,345")
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert "email-error" in page.locator("#email").get_attribute("aria-describedby")
    assert_accessible(page, "form-errors")


def test_an_ifi_donor_of_80000_euros_sees_the_cap_explained(page: Any, live: Live) -> None:
    page.goto(live.url + "/")
    page.locator("label[for=kind-ifi]").click()
    page.locator("label[for=preset-other]").click()
    page.locator("#other-amount").fill("80000")
    expect(page.locator("#net-cost-text")).to_have_text(
        f"soit 30\u202f000,00{NBSP}€ : la réduction d'IFI est plafonnée à 50\u202f000,00{NBSP}€ par an"
    )
    expect(page.locator("#net-cost-rule")).to_contain_text("plafonnée")
    assert_accessible(page, "ifi-cap")


def test_the_widget_works_with_the_keyboard_alone_with_a_visible_focus(page: Any, live: Live) -> None:
    page.goto(live.url + "/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "kind":
            break
    else:
        raise AssertionError("the type of gift cannot be reached with Tab")
    focused = page.evaluate("document.activeElement.id")
    outline = page.evaluate("id => getComputedStyle(document.querySelector(`label[for=${id}]`)).outlineStyle", focused)
    assert outline not in ("", "none"), "the focused choice has no visible outline"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "monthly"
    expect(page.locator("#net-cost-text")).to_contain_text("par mois")
    while page.evaluate("document.activeElement.id") != "other-amount":
        page.keyboard.press("Tab")
    page.keyboard.type("30")
    expect(page.locator("#net-cost-text")).to_contain_text(f"10,20{NBSP}€ par mois")
    page.steps.shot("keyboard")


def test_a_finance_user_finds_a_gift_by_name_and_downloads_its_receipt(page: Any, live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader
    from sqlalchemy import select

    from donations.extensions import db
    from donations.finance.staff import create_staff
    from donations.models import Receipt, StaffRole
    from tests.support.live_gifts import pay

    donation = pay(live, give, kind="one_off", amount="150")
    with live.app.app_context():
        create_staff(db.session, "compta@fondation.example", StaffRole.FINANCE, "correct horse battery staple")
        db.session.commit()
        receipt = db.session.scalars(select(Receipt).where(Receipt.donor_id == donation.donor_id)).one()

    page.goto(live.url + "/finance/")
    expect(page).to_have_url(re.compile("/finance/login"))
    assert_accessible(page, "finance-login")
    page.get_by_label("Adresse e-mail").fill("compta@fondation.example")
    page.get_by_label("Mot de passe").fill("correct horse battery staple")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile("/finance/$"))
    assert_accessible(page, "finance-dashboard")

    page.goto(live.url + "/finance/donations")
    page.get_by_label("Rechercher").fill("Martin")
    page.get_by_role("button", name="Rechercher").click()
    page.locator("tbody tr", has_text="Martin").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/finance/donations/{donation.public_id}"))
    assert_accessible(page, "finance-donation")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=receipt.number).first.click()
    pdf = Path(download_info.value.path()).read_bytes()
    text = re.sub(r"[\u00a0\u202f ]+", " ", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert receipt.number in text and "***150,00 €***" in text
