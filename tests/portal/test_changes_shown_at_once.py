"""After a change in the portal the page shows at once what Stripe answered, marked as awaiting
confirmation while the webhook is held back, and offers only the actions that still apply."""

from __future__ import annotations

import re

from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, DonationStatus, Receipt
from tests.support.donor_portal import sign_in
from tests.support.live_gifts import pay
from tests.support.live_service import Live
from tests.support.pages import form_fields

AWAITING = "en attente de confirmation"


def _page(live: Live, donation: Donation) -> str:
    return re.sub(r"[\u00a0\u202f ]+", " ", live.get(f"/my/gifts/{donation.public_id}").text)


def _act(live: Live, donation: Donation, action: str, **extra: str) -> None:
    page = live.get(f"/my/gifts/{donation.public_id}")
    path = f"/my/gifts/{donation.public_id}" + (f"/{action}" if action != "amount" else "")
    assert live.post(path, data={**form_fields(page.text), **extra}).status_code == 303


def test_each_change_shows_at_once_awaiting_the_webhook_then_confirmed(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")
    assert AWAITING not in _page(live, donation)

    live.control("webhooks/pause")
    _act(live, donation, "pause")
    page = _page(live, donation)
    assert "suspendu" in page and AWAITING in page
    assert "Reprendre mon don mensuel" in page and "Suspendre mon don mensuel" not in page
    with live.app.app_context():
        assert db.session.get(Donation, donation.id).status == DonationStatus.ACTIVE  # the webhook stays the record
    live.control("webhooks/resume")
    live.settle_webhooks()
    page = _page(live, donation)
    assert "suspendu" in page and AWAITING not in page

    live.control("webhooks/pause")
    _act(live, donation, "resume")
    page = _page(live, donation)
    assert "actif" in page and AWAITING in page and "Suspendre mon don mensuel" in page
    _act(live, donation, "amount", amount="40")
    page = _page(live, donation)
    assert "40,00 € par mois" in page and "13,60 €" in page and AWAITING in page
    live.control("webhooks/resume")
    live.settle_webhooks()
    page = _page(live, donation)
    assert "40,00 € par mois" in page and AWAITING not in page

    live.control("webhooks/pause")
    _act(live, donation, "stop", confirm="y")
    page = _page(live, donation)
    assert "arrêté" in page and AWAITING in page
    assert "Suspendre" not in page and "Reprendre" not in page and "Changer le montant" not in page
    gifts = live.get("/my/gifts").text
    assert AWAITING in gifts and "Mettre à jour ma carte" not in gifts, "a stopped gift offers no card update"
    live.control("webhooks/resume")
    live.settle_webhooks()
    assert AWAITING not in _page(live, donation)
    with live.app.app_context():
        stored = db.session.get(Donation, donation.id)
        assert (stored.status, stored.awaited_status, stored.awaited_amount_cents) == (
            DonationStatus.CANCELLED,
            None,
            None,
        )


def test_the_donor_area_sums_up_each_year_with_where_to_declare(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="100")
    pay(live, give, kind="one_off", amount="50")
    sign_in(live, mailbox, "camille.martin@example.org")
    gifts = re.sub(r"[\u00a0\u202f ]+", " ", live.get("/my/gifts").text)
    with live.app.app_context():
        receipts = db.session.scalars(select(Receipt).order_by(Receipt.id)).all()
        year = receipts[0].year
        numbers = [r.number for r in receipts]
    block = gifts[gifts.index("Mes dons année par année") : gifts.index("Reçus fiscaux")]
    assert str(year) in block and "150,00 €" in block and "99,00 €" in block  # 66 % of 150 €
    assert f"Déclaration de revenus, formulaire 2042, case 7UF, au printemps {year + 1}" in block
    assert all(number in block for number in numbers)
    assert 'class="portal-table cards-on-phone"' in gifts and 'data-label="Montant"' in gifts
