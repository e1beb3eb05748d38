"""Signing donors in to their portal: asking for a link, opening it, signing out everywhere."""

from __future__ import annotations

from flask import (
    abort,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)

from donations.clock import utcnow
from donations.extensions import db, limiter
from donations.platform.jobs import enqueue
from donations.portal import sign_in as portal_access
from donations.portal.forms import (
    SignInForm,
    SignInRequestForm,
)
from donations.portal.views import SESSION_LIFETIME, _forget_donor, _signed_in_email, bp


@bp.get("")
def start():  # type: ignore[no-untyped-def]
    """Ask for a sign-in link (or go straight to the gifts when signed in)."""
    if _signed_in_email():
        return redirect(url_for("portal.gifts"))
    return render_template("portal/start.html", form=SignInRequestForm())


@bp.post("")
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def request_link():  # type: ignore[no-untyped-def]
    """Email a sign-in link if the address is known; the answer is the same either way."""
    form = SignInRequestForm()
    if not form.validate():
        return render_template("portal/start.html", form=form), 400
    token = portal_access.create_sign_in(db.session, form.email.data, utcnow())
    db.session.commit()
    if token is not None:
        enqueue(portal_access.send_sign_in_email, portal_access.normalise_email(form.email.data), token)
    return render_template("portal/link_sent.html")


@bp.get("/sign-in/<token>")
def sign_in(token: str):  # type: ignore[no-untyped-def]
    """A button to sign in: mail scanners that open links do not spend the token.

    The button posts the token in the form's body to /my/sign-in, so the spending
    request's address carries no token, and no-referrer keeps this page's address
    (with its live token) from any other site.
    """
    response = make_response(render_template("portal/sign_in.html", form=SignInForm(token=token)))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/sign-in")
def sign_in_confirm():  # type: ignore[no-untyped-def]
    """Spend the token and sign the donor in; the session is tied to this sign-in (sign-out ends it)."""
    form = SignInForm()
    if not form.validate():
        abort(400)
    opened = portal_access.redeem_sign_in(db.session, form.token.data or "", utcnow())
    db.session.commit()
    if opened is None:
        return render_template("portal/link_invalid.html"), 410
    _forget_donor()  # a donor signed in before in this browser is signed out of it
    session["donor_email"] = opened.email
    session["donor_until"] = (utcnow() + SESSION_LIFETIME).timestamp()
    session["donor_sign_in"] = opened.id
    return redirect(url_for("portal.gifts"), 303)


@bp.post("/sign-out")
def sign_out():  # type: ignore[no-untyped-def]
    """Sign out everywhere: every portal session of this email ends, copied cookies included."""
    email = _signed_in_email()
    if email is not None:
        portal_access.end_sessions(db.session, email, utcnow())
        db.session.commit()
    _forget_donor()
    return redirect(url_for("public.landing"), 303)
