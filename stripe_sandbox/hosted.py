"""The pages a person sees: hosted Checkout, its 3-D Secure step, and the billing portal."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template_string, request

from . import charging, checkout_flow, subscriptions, templates
from .api_support import sandbox

bp = Blueprint("stripe_hosted", __name__)

SUBMIT_LABELS = {"donate": "Faire un don / Donate", "book": "Réserver / Book", "subscribe": "S'abonner / Subscribe"}
INTERVALS = {"month": "mois / month", "year": "an / year", "week": "semaine / week", "day": "jour / day"}


def euros(cents: int) -> str:
    """``3400`` -> ``"34,00 €"`` (French grouping, non-breaking spaces)."""
    whole = f"{cents // 100:,}".replace(",", "\u202f")
    return f"{whole},{cents % 100:02d}\u00a0€"


def _page(title: str, body_template: str, status: int = 200, **context):
    body = render_template_string(body_template, **context)
    return render_template_string(templates.LAYOUT, title=title, body=body), status


def _closed(heading: str, message: str, status: int = 200, link=None, link_label=None):
    return _page(heading, templates.CLOSED, status, heading=heading, message=message, link=link, link_label=link_label)


def _success_url(session: dict) -> str:
    return (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


def _session_or_none(session_id: str):
    session = sandbox().store.find(session_id)
    return session if session and session["object"] == "checkout.session" else None


def _checkout_page(session: dict, status: int = 200, error=None, error_field=None):
    store = sandbox().store
    lines = store.private[session["id"]].get("line_items", [])
    description = ", ".join(line["description"] for line in lines) or "Paiement / Payment"
    monthly = session["mode"] == "subscription"
    label = SUBMIT_LABELS.get(session["submit_type"], "S'abonner / Subscribe" if monthly else "Payer / Pay")
    customer = store.find(session["customer"])
    return _page(
        "Paiement / Payment",
        templates.CHECKOUT,
        status,
        description=description,
        amount=euros(session["amount_total"]),
        monthly=monthly,
        error=error,
        error_field=error_field,
        action=f"/checkout/{session['id']}",
        sepa="sepa_debit" in session["payment_method_types"],
        email=session["customer_email"] or (customer["email"] if customer else None),
        cancel_url=session["cancel_url"],
        submit_label=label,
    )


def _not_open(session: dict):
    if session["status"] == "expired":
        return _closed(
            "Session expirée / Session expired",
            "Cette session de paiement a expiré. / This checkout session has expired.",
            410,
            session["cancel_url"],
            "Revenir / Go back",
        )
    return _closed(
        "Paiement effectué / Payment complete",
        "Ce paiement a déjà été effectué. / This payment is already complete.",
        200,
        _success_url(session),
        "Continuer / Continue",
    )


@bp.get("/checkout/<session_id>")
def checkout_page(session_id):
    box = sandbox()
    with box.store.lock:
        box.expire_due()
        session = _session_or_none(session_id)
        if session is None:
            return _closed(
                "Session introuvable / Session not found",
                "Cette session de paiement n'existe pas. / This checkout session does not exist.",
                404,
            )
        if session["status"] != "open":
            return _not_open(session)
        return _checkout_page(session)


@bp.post("/checkout/<session_id>")
def checkout_submit(session_id):
    box = sandbox()
    form = request.form
    with box.store.lock:
        session = _session_or_none(session_id)
        if session is None:
            return _closed(
                "Session introuvable / Session not found",
                "Cette session de paiement n'existe pas. / This checkout session does not exist.",
                404,
            )
        if form.get("method") == "sepa_debit":
            result = checkout_flow.pay(
                box.store, session, iban=form.get("iban", ""), name=form.get("name"), email=form.get("email")
            )
        else:
            result = checkout_flow.pay(
                box.store,
                session,
                card=form.get("card_number", ""),
                expiry=form.get("expiry", ""),
                cvc=form.get("cvc", ""),
                name=form.get("name"),
                email=form.get("email"),
            )
        return _after_attempt(session, result)


@bp.post("/checkout/<session_id>/authenticate")
def checkout_authenticate(session_id):
    box = sandbox()
    with box.store.lock:
        session = _session_or_none(session_id)
        if session is None:
            return _closed(
                "Session introuvable / Session not found",
                "Cette session de paiement n'existe pas. / This checkout session does not exist.",
                404,
            )
        result = checkout_flow.authenticate(box.store, session, request.form.get("outcome") == "complete")
        return _after_attempt(session, result)


def _after_attempt(session: dict, result: checkout_flow.PayResult):
    if result.status in ("succeeded", "processing"):
        return redirect(_success_url(session), code=303)
    if result.status == "requires_action":
        return _page(
            "3-D Secure",
            templates.THREE_D_SECURE,
            action=f"/checkout/{session['id']}/authenticate",
            amount=euros(session["amount_total"]),
        )
    if result.status == "closed":
        return _not_open(session) if session["status"] != "open" else _checkout_page(session, 409, result.message)
    status = 402 if result.status == "declined" else 400
    return _checkout_page(session, status, result.message, result.field)


# -- billing portal ----------------------------------------------------------------------
def _portal_or_none(portal_id: str):
    portal = sandbox().store.find(portal_id)
    return portal if portal and portal["object"] == "billing_portal.session" else None


def _describe_method(pm) -> str:
    if pm is None:
        return ""
    if pm["type"] == "card":
        card = pm["card"]
        return f"{card['brand'].title()} •••• {card['last4']} ({card['exp_month']:02d}/{card['exp_year']})"
    return f"SEPA •••• {pm['sepa_debit']['last4']}"


def _portal_page(portal: dict, status: int = 200, notice=None, error=None):
    store = sandbox().store
    customer = store.objects[portal["customer"]]
    subs = [s for s in store.all("subscription") if s["customer"] == customer["id"]]
    pm = store.find(customer["invoice_settings"]["default_payment_method"]) or next(
        (store.find(s["default_payment_method"]) for s in subs if s["default_payment_method"]), None
    )
    rows = []
    for sub in subs:
        item = sub["items"]["data"][0]
        active = sub["status"] in ("active", "past_due")
        rows.append(
            {
                "amount": euros(item["price"]["unit_amount"] * item["quantity"]),
                "status": sub["status"],
                "interval": INTERVALS.get(item["price"]["recurring"]["interval"], "mois / month"),
                "next": dt.datetime.fromtimestamp(item["current_period_end"], dt.UTC).strftime("%d/%m/%Y")
                if active
                else None,
            }
        )
    return _page(
        "Espace de paiement / Billing portal",
        templates.PORTAL,
        status,
        customer=customer,
        payment_method=_describe_method(pm),
        subscriptions=rows,
        notice=notice,
        error=error,
        action=f"/billing_portal/{portal['id']}",
        return_url=portal["return_url"],
    )


@bp.get("/billing_portal/<portal_id>")
def portal_page(portal_id):
    with sandbox().store.lock:
        portal = _portal_or_none(portal_id)
        if portal is None:
            return _closed("Session introuvable / Session not found", "Ce lien a expiré. / This link has expired.", 404)
        return _portal_page(portal)


@bp.post("/billing_portal/<portal_id>")
def portal_update_card(portal_id):
    store = sandbox().store
    form = request.form
    with store.lock:
        portal = _portal_or_none(portal_id)
        if portal is None:
            return _closed("Session introuvable / Session not found", "Ce lien a expiré. / This link has expired.", 404)
        customer = store.objects[portal["customer"]]
        try:
            pm = charging.card_payment_method(
                store,
                form.get("card_number", ""),
                form.get("expiry", ""),
                form.get("cvc", ""),
                form.get("name"),
                customer["email"],
            )
        except charging.PaymentInputError as error:
            return _portal_page(portal, 400, error=error.message)
        if store.private[pm["id"]]["card"].outcome == "declined":
            # A card that declines is refused when it is saved; 4000 0000 0000 0341 is saved and fails later.
            return _portal_page(portal, 402, error="Votre carte a été refusée. / Your card was declined.")
        set_default_card(store, customer, pm)
        return _portal_page(portal, notice="Carte mise à jour. / Card updated.")


def set_default_card(store, customer: dict, pm: dict) -> None:
    """Make ``pm`` the customer's card for invoices and for their live subscriptions."""
    charging.attach(store, pm, customer)
    before = store.render(customer)
    customer["invoice_settings"]["default_payment_method"] = pm["id"]
    store.emit("customer.updated", customer, previous_attributes=subscriptions.diff(before, store.render(customer)))
    for sub in store.all("subscription"):
        if sub["customer"] == customer["id"] and sub["status"] != "canceled":
            before_sub = store.render(sub)
            sub["default_payment_method"] = pm["id"]
            subscriptions.emit_updated(store, sub, before_sub)
