"""Issue #17's journeys in Chromium, at 375 px and 1280 px, in French and English: each page is
checked with axe-core (no serious or critical violation), for console errors and for sideways
scroll, and a screenshot of each step is kept under test-artifacts/browser/ (gitignored).

Lean on purpose (two cores): one browser for the session, one page per journey."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from donations.extensions import db
from donations.finance.staff import create_staff
from donations.models import Donation, DonationKind, Payment, PaymentStatus, StaffRole
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
AXE = Axe()
NBSP = "[\u00a0\u202f ]"
PHONE_FR, LAPTOP_EN, PHONE_EN, LAPTOP_FR = (
    ("375-fr", 375, "fr"),
    ("1280-en", 1280, "en"),
    ("375-en", 375, "en"),
    ("1280-fr", 1280, "fr"),
)
CARD_OK, CARD_DECLINED, CARD_3DS = "4242424242424242", "4000000000000002", "4000002500003155"
IBAN_OK, IBAN_REFUSED = "FR1420041010050500013M02606", "FR8420041010050500013M02606"
PASSWORD = "correct horse battery staple"


class Journey:
    """One page in one browser context: every `check` screenshots it, runs axe, and fails on a
    console error of the service's pages or on a page wider than the screen."""

    def __init__(self, page: Any, live: Live, name: str, width: int, lang: str) -> None:
        self.page, self.live, self.width, self.lang = page, live, width, lang
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.count = 0
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and (message.location or {}).get("url", "").startswith(self.live.url):
            self.errors.append(f"console error: {message.text} at {message.location}")

    def t(self, french: str, english: str) -> str:
        return french if self.lang == "fr" else english

    def go(self, path: str) -> None:
        self.page.goto(self.live.url + path)

    def shot(self, label: str) -> None:
        self.count += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.count:02d}-{label}.png"), full_page=True)

    def check(self, label: str) -> None:
        """The page as it is now: screenshot, axe-core, console, and no sideways scroll."""
        self.page.wait_for_load_state("load")
        self.shot(label)
        if self.page.url.startswith(self.live.url):
            results = AXE.run(self.page)
            bad = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert bad == [], f"{label}: {bad}"
            wide = self.page.evaluate("document.documentElement.scrollWidth")
            assert wide <= self.width, f"{label}: the page is {wide} px wide on a {self.width} px screen"
        assert self.errors == [], f"{label}: {self.errors}"

    def fill_donor(self, email: str = "camille.martin@example.org") -> None:
        for field, value in (
            ("first_name", "Camille"),
            ("last_name", "Martin"),
            ("email", email),
            ("address_line1", "12 rue des Lilas"),
            ("postal_code", "75013"),
            ("city", "Paris"),
        ):
            self.page.locator(f"#{field}").fill(value)
        self.page.locator("#consent").check()

    def submit_form(self) -> None:
        self.page.locator("#donation-form button[type=submit]").click()
        expect(self.page).to_have_url(re.compile("^" + re.escape(self.live.sandbox.url) + "/checkout/"))
        self.shot("stripe-checkout")

    def pay_card(self, number: str) -> None:
        page = self.page
        page.locator("#card_number").fill(number)
        page.locator("#expiry").fill("12/34")
        page.locator("#cvc").fill("123")
        page.locator("form").filter(has=page.locator("#card_number")).get_by_role("button").click()

    def pay_iban(self, iban: str) -> None:
        page = self.page
        page.locator("#iban").fill(iban)
        page.locator("#holder").fill("Camille Martin")
        email = page.locator("form").filter(has=page.locator("#iban")).locator("input[type=email], #email")
        if email.count():
            email.first.fill("camille.martin@example.org")
        page.locator("form").filter(has=page.locator("#iban")).get_by_role("button").click()

    def thanks_says(self, french: str, english: str, timeout: float = 20000) -> None:
        """The thank-you page changes by itself (its script polls): no reload here."""
        expect(self.page).to_have_url(re.compile(re.escape(self.live.url) + "/donate/thanks/"))
        expect(self.page.locator("#thanks-title")).to_have_text(self.t(french, english), timeout=timeout)


@pytest.fixture
def journey(browser: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Journey]:
    name, width, lang = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 812}, locale="fr-FR" if lang == "fr" else "en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Journey(page, live, f"{request.node.originalname}-{name}", width, lang)
    context.close()


def _donation(live: Live, **where: Any) -> Donation:
    with live.app.app_context():
        query = select(Donation)
        for column, value in where.items():
            query = query.where(getattr(Donation, column) == value)
        found = db.session.scalars(query.order_by(Donation.id.desc())).first()
        assert found is not None
        _ = found.payments
        db.session.expunge_all()
        return found


def _mail_text(message: Any) -> str:
    return re.sub(r"[\u00a0\u202f ]+", " ", message.get_body(("plain",)).get_content())


def _flat(text: str) -> str:
    return re.sub(r"[\u00a0\u202f ]+", " ", text)


@pytest.mark.parametrize("journey", [PHONE_FR, LAPTOP_EN, PHONE_EN, LAPTOP_FR], indirect=True, ids=lambda p: p[0])
def test_one_off_card_gift_from_the_top_of_the_page_to_the_receipt_and_a_monthly_offer(
    journey: Journey, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    page, t = journey.page, journey.t
    journey.go("/")
    widget = page.locator("#donation-widget")
    if journey.width < 500:
        bar = page.locator("#give-bar")
        expect(bar).to_be_visible()
        assert bar.bounding_box()["y"] < 400, "on a phone the way to give comes before the article"
        journey.check("phone-give-bar")
        bar.click()
        expect(widget).to_be_in_viewport()
    else:
        expect(page.locator("#give-bar")).to_be_hidden()
        expect(widget).to_be_in_viewport()
    page.locator("label[for=preset-other]").click()
    assert page.evaluate("document.activeElement.id") == "other-amount", "Autre montant focuses its input"
    page.locator("#other-amount").fill("2")
    expect(page.locator("#net-cost-text")).to_contain_text(t("Le don minimum est de 5,00", "The smallest gift is 5,00"))
    page.locator("#other-amount").fill("abc")
    expect(page.locator("#net-cost-text")).not_to_contain_text("amount:")
    page.locator("#other-amount").fill("120")
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("40,80" + NBSP + "€"))
    journey.check("widget-120")
    other = "en" if journey.lang == "fr" else "fr"
    page.locator(f".language a[hreflang={other}]").click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("#other-amount")).to_have_value("120")  # the gift chosen survives the change of language
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("40,80" + NBSP + "€"))
    page.locator(f".language a[hreflang={journey.lang}]").click()
    expect(page.locator("#other-amount")).to_have_value("120")
    widget.locator("button[type=submit]").click()

    expect(page.locator("#amount")).to_have_value("120")
    # The form follows the figures as the donor types: 200 € a month costs 68,00 € a month.
    page.locator("#amount").fill("200")
    page.locator("label[for=kind-1]").click()
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("68,00" + NBSP + "€"))
    page.locator("label[for=kind-0]").click()
    page.locator("#amount").fill("1000")
    page.locator("#taxable_income").fill("2000")
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("736,00" + NBSP + "€"))
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("400,00" + NBSP + "€"))
    journey.check("form-capped-by-income")
    page.locator("#taxable_income").fill("")
    page.locator("#amount").fill("120")
    journey.fill_donor()
    # Switching language keeps what was typed.
    page.locator(".language a[hreflang=%s]" % ("en" if journey.lang == "fr" else "fr")).click()
    expect(page.locator("#first_name")).to_have_value("Camille")
    expect(page.locator("#amount")).to_have_value("120")
    page.locator(f".language a[hreflang={journey.lang}]").click()
    expect(page.locator("#city")).to_have_value("Paris")
    journey.check("form-filled")
    journey.submit_form()
    journey.pay_card(CARD_OK)

    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    expect(page.locator("meta[http-equiv]")).to_have_count(0)
    assert "camille.martin@example.org" not in page.content()
    journey.check("thanks-paid")
    mailbox.wait_for(1)
    journey.live.wait_for_jobs()
    page.reload()
    expect(page.locator("#receipt-news")).to_contain_text(t("vous a été envoyé", "was sent to you"))
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    offer = page.locator("#make-it-monthly")
    expect(offer).to_contain_text(re.compile("10,00" + NBSP + "€"))
    expect(offer).to_contain_text(re.compile("3,40" + NBSP + "€"))
    journey.check("thanks-receipt-sent-monthly-offer")
    offer.get_by_role("link").click()
    expect(page.locator("#amount")).to_have_value("10")
    expect(page.locator("input[name=kind][value=monthly]")).to_be_checked()
    journey.check("monthly-form-prefilled")


@pytest.mark.parametrize("journey", [PHONE_FR, LAPTOP_EN], indirect=True, ids=lambda p: p[0])
def test_monthly_gift_then_a_renewal_then_every_portal_action_shown_at_once(
    journey: Journey, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    page, t, live = journey.page, journey.t, journey.live
    journey.go("/donate?kind=monthly&amount=15")
    journey.fill_donor()
    journey.submit_form()
    journey.pay_card(CARD_OK)
    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    journey.check("thanks-monthly")
    [welcome] = mailbox.wait_for(1)
    assert "/my" in _mail_text(welcome) and re.search("Bienvenue|Welcome", welcome["Subject"])

    donation = _donation(live, kind=DonationKind.MONTHLY)
    live.control(f"subscriptions/{donation.stripe_subscription_id}/advance")  # the next month
    live.settle_webhooks()

    journey.go("/my")
    page.locator("input[name=email]").fill("camille.martin@example.org")
    page.locator("form button[type=submit]").first.click()
    link = re.search(r"/my/sign-in/[A-Za-z0-9_\-]+", _mail_text(mailbox.wait_for(2)[-1])).group(0)
    journey.go(link)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile("/my/gifts$"))
    expect(page.locator("main")).to_contain_text(re.compile("15,00" + NBSP + "€"))
    journey.check("portal-gifts-two-payments")

    def act(label: str, selector: str) -> None:
        page.locator(selector).click()
        expect(page.locator("#gift-status")).to_contain_text(t("en attente de confirmation", "awaiting confirmation"))
        journey.check(f"portal-{label}-awaiting")

    journey.go(f"/my/gifts/{donation.public_id}")
    live.control("webhooks/pause")
    act("paused", f"form[action$='/{donation.public_id}/pause'] button")
    expect(page.locator("#gift-status")).to_contain_text(t("suspendu", "paused"))
    expect(page.locator(f"form[action$='/{donation.public_id}/pause']")).to_have_count(0)
    live.control("webhooks/resume")
    live.settle_webhooks()
    page.reload()
    expect(page.locator("#gift-status")).not_to_contain_text(t("en attente", "awaiting"))

    live.control("webhooks/pause")
    act("resumed", f"form[action$='/{donation.public_id}/resume'] button")
    expect(page.locator("#gift-status")).to_contain_text(t("actif", "active"))
    page.locator("#amount").fill("30")
    act("amount-30", f"form[action$='/gifts/{donation.public_id}'] button")
    expect(page.locator("#gift-status")).to_contain_text(re.compile("30,00" + NBSP + "€"))
    page.locator("#confirm").check()
    act("stopped", f"form[action$='/{donation.public_id}/stop'] button")
    expect(page.locator("#gift-status")).to_contain_text(t("arrêté", "stopped"))
    expect(page.locator("main form button")).to_have_count(0)
    journey.go("/my/gifts")
    expect(page.locator("form[action$='/my/card']")).to_have_count(0)
    journey.check("portal-gifts-stopped-no-card-update")
    live.control("webhooks/resume")
    live.settle_webhooks()
    journey.go(f"/my/gifts/{donation.public_id}")
    expect(page.locator("#gift-status")).not_to_contain_text(t("en attente", "awaiting"))
    journey.check("portal-confirmed")


@pytest.mark.parametrize("journey", [PHONE_EN, LAPTOP_FR], indirect=True, ids=lambda p: p[0])
def test_ifi_gift_with_its_split_and_year(journey: Journey, smtp: tuple[Mailbox, int]) -> None:
    page, t = journey.page, journey.t
    journey.go("/")
    page.locator("label[for=kind-ifi]").click()
    page.locator("label[for=preset-other]").click()
    page.locator("#other-amount").fill("80000")
    expect(page.locator("#net-cost-rule")).to_contain_text(
        re.compile(t(r"IFI \d{4}, à déclarer au plus tard le 12 juin", r"IFI \d{4}, whose return is due by June 12"))
    )
    journey.check("widget-ifi-80000")
    page.locator("#donation-widget button[type=submit]").click()
    page.locator("#ifi_split").check()
    expect(page.locator("#ifi-split-figures")).to_be_visible()
    journey.fill_donor()
    journey.check("form-ifi-split")
    journey.submit_form()
    journey.pay_card(CARD_OK)
    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    expect(page.locator("#make-it-monthly")).to_have_count(0)  # offered after a one-off gift only
    journey.check("thanks-ifi")
    journey.go("/questions")
    expect(page.locator("h1")).to_have_text(t("Questions sur votre don", "Questions about your gift"))
    journey.check("questions")


@pytest.mark.parametrize("journey", [PHONE_FR, LAPTOP_EN], indirect=True, ids=lambda p: p[0])
def test_company_gift_sees_its_reduction_capped_by_turnover(journey: Journey, smtp: tuple[Mailbox, int]) -> None:
    page, _t = journey.page, journey.t
    journey.go("/donate?kind=one_off&amount=100000")
    expect(page.locator("#net-cost-text")).to_contain_text("66")
    page.locator("input[name=donor_type][value=company]").check()
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("40" + NBSP + "000,00" + NBSP + "€"))
    page.locator("#turnover").fill("1000000")
    expect(page.locator("#net-cost-text")).to_contain_text(re.compile("88" + NBSP + "000,00" + NBSP + "€"))
    expect(page.locator("#net-cost-rule")).to_contain_text("238 bis")
    page.locator("#company_name").fill("ACME Industries")
    page.locator("#legal_form").fill("SAS")
    page.locator("#siren").fill("732 829 320")
    journey.fill_donor("mecenat@acme.example")
    journey.check("form-company-turnover")
    journey.submit_form()
    journey.pay_card(CARD_OK)
    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    journey.check("thanks-company")


@pytest.mark.parametrize("journey", [PHONE_EN, LAPTOP_FR], indirect=True, ids=lambda p: p[0])
def test_a_declined_card_is_never_called_received_and_3d_secure_then_succeeds(
    journey: Journey, smtp: tuple[Mailbox, int]
) -> None:
    page, live = journey.page, journey.live
    journey.go("/donate?kind=one_off&amount=50")
    journey.fill_donor()
    journey.submit_form()
    journey.pay_card(CARD_DECLINED)
    journey.shot("stripe-declined")
    donation = _donation(live, kind=DonationKind.ONE_OFF)
    journey.go(f"/donate/thanks/{donation.public_id}")
    expect(page.locator("#thanks-title")).to_have_text(
        journey.t(
            "Merci, nous attendons la confirmation de votre paiement",
            "Thank you, we are waiting for the confirmation of your payment",
        )
    )
    journey.check("thanks-after-decline-waiting")

    journey.go("/donate?kind=one_off&amount=60")
    journey.fill_donor()
    journey.submit_form()
    journey.pay_card(CARD_3DS)
    page.get_by_role("button", name="Valider / Complete").click()
    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    journey.check("thanks-after-3ds")


@pytest.mark.parametrize("journey", [PHONE_FR, LAPTOP_EN], indirect=True, ids=lambda p: p[0])
def test_sepa_debits_that_arrive_or_fail_are_told_on_the_page_and_by_email(
    journey: Journey, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    page, t, live = journey.page, journey.t, journey.live
    journey.go("/donate?kind=one_off&amount=80")
    journey.fill_donor()
    journey.submit_form()
    journey.pay_iban(IBAN_OK)
    journey.thanks_says(
        "Merci, votre paiement est en cours de traitement", "Thank you, your payment is being processed"
    )
    journey.check("thanks-sepa-processing")
    [started] = mailbox.wait_for(1)
    assert re.search("prélèvement SEPA|SEPA direct debit", _mail_text(started))
    donation = _donation(live, kind=DonationKind.ONE_OFF)
    live.control(f"payment_intents/{donation.stripe_payment_intent_id}/settle")
    journey.thanks_says("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    # The change came while the page was open: its live region announced it.
    expect(page.locator("#thanks-announce")).to_have_text(
        t("Merci, nous avons bien reçu votre don", "Thank you, we have received your gift")
    )
    journey.check("thanks-sepa-arrived")
    assert re.search("reçu fiscal|tax receipt", mailbox.wait_for(2)[1]["Subject"])

    journey.go("/donate?kind=one_off&amount=90")
    journey.fill_donor()
    journey.submit_form()
    journey.pay_iban(IBAN_REFUSED)
    journey.thanks_says(
        "Merci, votre paiement est en cours de traitement", "Thank you, your payment is being processed"
    )
    failing = _donation(live, kind=DonationKind.ONE_OFF, amount_cents=9000)
    live.control(f"payment_intents/{failing.stripe_payment_intent_id}/settle")
    journey.thanks_says("Votre paiement n'a pas abouti", "Your payment did not go through")
    journey.check("thanks-sepa-failed")
    messages = mailbox.wait_for(4)
    notice = _mail_text(messages[-1])
    retry = re.search(r"http://\S+/donate\?\S+", notice).group(0)
    journey.go(retry.split("/donate", 1)[1].join(["/donate", ""]))
    expect(page.locator("#amount")).to_have_value("90")
    journey.check("retry-form-prefilled")


@pytest.mark.parametrize("journey", [LAPTOP_FR, PHONE_EN], indirect=True, ids=lambda p: p[0])
def test_finance_staff_find_the_failed_payments_and_read_in_their_language(journey: Journey, give, smtp) -> None:  # type: ignore[no-untyped-def]
    from tests.support.live_gifts import pay

    page, t, live = journey.page, journey.t, journey.live
    paid = pay(live, give, kind="one_off", amount="150", first_name="Élodie")
    monthly = pay(live, give, kind="monthly", amount="20", last_name="Lefèvre", email="claire.lefevre@example.org")
    with live.app.app_context():
        create_staff(db.session, "compta@fondation.example", StaffRole.FINANCE, PASSWORD)
        db.session.add(
            Payment(
                donation_id=monthly.id, amount_cents=2000, refunded_cents=0, method=_card(), status=PaymentStatus.FAILED
            )
        )
        db.session.commit()
    journey.go("/finance/login")
    page.locator("input[name=email]").fill("compta@fondation.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile("/finance/$"))
    journey.check("finance-dashboard")
    page.locator("a[href$='/finance/payments/failed']").click()
    expect(page.locator("h1")).to_have_text(t("Paiements échoués en attente", "Failed payments waiting"))
    expect(page.locator("main")).to_contain_text("Lefèvre")
    journey.check("finance-failed-payments")
    journey.go(f"/finance/donations/{paid.public_id}")
    expect(page.locator("h1")).to_have_text(t("Don d'Élodie Martin", "Donation of Élodie Martin"))
    expect(page.locator("main")).to_contain_text(t("appliqué", "applied"))
    journey.check("finance-donation")
    journey.go("/finance/donations")
    page.locator("input[name=q]").fill("Lefèvre")
    page.locator("form.filters button[type=submit]").first.click()
    expect(page.locator("tbody tr", has_text="Lefèvre")).to_have_count(1)
    journey.check("finance-search")


def _card() -> Any:
    from donations.models import PaymentMethod

    return PaymentMethod.CARD
