"""In a real browser: a gift covering its fees made in memory of someone (the notice read from the
SMTP server), a campaign page before and after a gift, and the widget embedded on pages served
from another site (an allowed origin and a refused one). Laptop only: these journeys are long."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import LAPTOP, SCREENSHOTS, assert_accessible, fill_donor, pay_on_checkout, wait_for_thanks
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox
from tests.support.network import free_port

NBSP = "\u00a0"


@pytest.fixture
def viewport() -> dict[str, int]:
    return LAPTOP


@pytest.fixture
def host_ports() -> dict[str, int]:
    """The ports of two campaign sites, on `localhost` (another site than the service's 127.0.0.1)."""
    return {"allowed": free_port(), "refused": free_port()}


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int], host_ports: dict[str, int]) -> dict[str, object]:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp[1]),
        "EMBED_ALLOWED_ORIGINS": f"http://localhost:{host_ports['allowed']}",
    }


class CampaignSite:
    """A page of another site that includes the service's widget script."""

    def __init__(self, port: int, service_url: str) -> None:
        page = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Association amie</title></head>'
            "<body><main><h1>Association amie</h1><p>Soutenez la recherche :</p>"
            f'<script src="{service_url}/embed/widget.js?campaign=dystonie&amp;lang=fr"></script></main></body></html>'
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://localhost:{port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites(live: Live, host_ports: dict[str, int]) -> Iterator[dict[str, CampaignSite]]:
    served = {name: CampaignSite(port, live.url) for name, port in host_ports.items()}
    yield served
    for site in served.values():
        site.stop()


def test_a_fee_covered_gift_in_memory_of_someone_and_the_notice_that_follows(
    page: Any, live: Live, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    page.goto(live.url + "/donate?kind=one_off&amount=50")
    page.locator("#cover_fees").check()
    expect(page.locator("#fees-summary")).to_have_text(
        f"Vous donnez 51,02{NBSP}€ au total : 50,00{NBSP}€ plus 1,02{NBSP}€ pour les frais de paiement. Votre reçu fiscal porte 51,02{NBSP}€."
    )
    page.get_by_label("Montant en euros").fill("100")
    expect(page.locator("#fees-summary")).to_contain_text(f"101,78{NBSP}€ au total")
    page.locator("label[for=tribute_kind-1]").click()
    page.get_by_label("Son nom").fill("Jeanne Dupont")
    page.get_by_label("Son e-mail, pour la prévenir du don (facultatif)").fill("famille@example.org")
    page.get_by_label("Un court message pour elle (facultatif)").fill("Avec toute notre affection")
    fill_donor(page, english=False)
    assert_accessible(page, "form-fees-and-tribute")
    page.get_by_role("button", name="Continuer vers le paiement sécurisé").click()
    pay_on_checkout(page, live)
    wait_for_thanks(page, live, "Merci, nous avons bien reçu votre don")
    expect(page.locator("#donation-status")).to_contain_text(f"101,78{NBSP}€")

    messages = mailbox.wait_for(2)
    [notice] = [m for m in messages if m["To"] == "famille@example.org"]
    assert notice["Subject"] == "Un don en mémoire de Jeanne Dupont"
    body = notice.get_body(("plain",)).get_content()
    assert "Camille Martin a fait un don à" in body and "Avec toute notre affection" in body
    assert "101" not in body


def test_a_campaign_page_before_and_after_a_gift(page: Any, live: Live) -> None:
    result = live.app.test_cli_runner().invoke(
        args=[
            "campaigns",
            "create",
            "appel-2026",
            "--title",
            "Appel de printemps",
            "--goal",
            "1000",
            "--presets",
            "25,75,150",
        ]
    )
    assert result.exit_code == 0, result.output
    page.goto(live.url + "/c/appel-2026?utm_source=affiche")
    expect(page.locator("#campaign-progress-label")).to_have_text(
        f"0,00{NBSP}€ collectés sur un objectif de 1\u202f000,00{NBSP}€, grâce à 0 donateur"
    )
    assert_accessible(page, "campaign-before")
    page.locator("label[for=preset-2]").click()
    page.get_by_role("button", name="Faire un don").click()
    expect(page.locator("#amount")).to_have_value("75")
    fill_donor(page, english=False)
    page.get_by_role("button", name="Continuer vers le paiement sécurisé").click()
    pay_on_checkout(page, live)
    wait_for_thanks(page, live, "Merci, nous avons bien reçu votre don")
    page.goto(live.url + "/c/appel-2026")
    expect(page.locator("#campaign-progress-label")).to_have_text(
        f"75,00{NBSP}€ collectés sur un objectif de 1\u202f000,00{NBSP}€, grâce à 1 donateur"
    )
    assert page.locator("progress").get_attribute("value") == "7500"


def test_the_widget_embedded_on_an_allowed_site_opens_the_form_and_a_refused_site_gets_no_form(
    page: Any, live: Live, sites: dict[str, CampaignSite]
) -> None:
    page.goto(sites["allowed"].url)
    widget = page.get_by_role("region", name=re.compile("^Donner à "))
    expect(widget).to_be_visible()
    widget.get_by_role("button", name=f"100,00{NBSP}€").click()
    widget.get_by_role("button", name="Faire un don", exact=True).click()
    frame = page.frame_locator("iframe.donation-embed-frame")
    expect(frame.locator("#embed-recipient")).to_contain_text(
        "Vous donnez à Institut de recherche sur le cerveau (démonstration)"
    )
    expect(frame.locator("#amount")).to_have_value("100")
    page.steps.shot("embedded-form")
    for label, value in {
        "Prénom(s)": "Camille",
        "Nom": "Martin",
        "Adresse e-mail": "camille.martin@example.org",
        "Adresse": "12 rue des Lilas",
        "Code postal": "75013",
        "Ville": "Paris",
    }.items():
        frame.get_by_label(label, exact=True).fill(value)
    frame.locator("#consent").check()
    # The frame is another site's: the session cookie (SameSite=Lax) is not sent, the form's own token is enough.
    frame.get_by_role("button", name="Continuer vers le paiement sécurisé").click()
    expect(frame.locator("#continue-title")).to_contain_text("est prêt")
    frame.locator("#continue-to-payment").click()
    pay_on_checkout(page, live)
    wait_for_thanks(page, live, "Merci, nous avons bien reçu votre don")

    refused = page.context.new_page()
    refused.goto(sites["refused"].url)
    refused.get_by_role("button", name="Faire un don", exact=True).click()
    iframe = refused.locator("iframe.donation-embed-frame")
    expect(iframe).to_be_attached()
    refused.wait_for_timeout(1500)
    content = iframe.element_handle().content_frame()
    # Chromium obeys frame-ancestors: the frame shows its error page, never the form.
    assert content is not None and not content.url.startswith(live.url), content and content.url
    assert content.locator("#embed-recipient").count() == 0
    refused.screenshot(path=str(SCREENSHOTS / "embed-refused.png"))
