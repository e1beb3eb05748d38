"""Signing in and out of the back office, and the admin's page of staff accounts.

Sign-in is limited against guessing, by the address and the email together
(donations/finance/sign_in_backoff.py): after 9 failures in a row for one email
from one address, that pair waits 30 seconds, then twice as long after each
further failure (a good password ends the row); and 30 failures in 15 minutes
from one address whatever the emails hold that address back. No
limit keys on the email alone: strangers failing on a staff member's email
slow themselves down, never that person, who signs in from another address.
Behind a reverse proxy the address is the client's (TRUSTED_PROXIES).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_user

from donations.clock import utcnow
from donations.extensions import db
from donations.finance import audit, sign_in_backoff
from donations.finance.access import (
    client_ip,
    end_session,
    public,
    safe_next,
    signed_in_staff,
    staff_required,
    start_session,
)
from donations.finance.forms import LoginForm, StaffActiveForm, StaffForm
from donations.finance.staff import (
    StaffError,
    all_staff,
    authenticate,
    create_staff,
    end_sessions,
    normalise_email,
    set_active,
    staff_by_email,
)
from donations.finance.views import bp
from donations.models import StaffRole, StaffUser
from donations.platform.web import error_response

ALL_STAFF = (StaffRole.FINANCE, StaffRole.ADMIN)


def _typed_email() -> str:
    return normalise_email(request.form.get("email", ""))[:254]


def _wait_answer(seconds: int):  # type: ignore[no-untyped-def]
    minutes = max(1, -(-seconds // 60))
    body, status = error_response(
        429,
        ngettext(
            "Too many failed sign-ins for this email from your connection. Please wait %(num)d minute and try again.",
            "Too many failed sign-ins for this email from your connection. Please wait %(num)d minutes and try again.",
            minutes,
        ),
    )
    response = make_response(body, status)
    response.headers["Retry-After"] = str(seconds)
    return response


def _home(staff: StaffUser) -> str:
    return url_for("finance.staff_list") if staff.role == StaffRole.ADMIN else url_for("finance.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():  # type: ignore[no-untyped-def]
    """The sign-in form; one message for every failure, whatever its cause."""
    staff = signed_in_staff()
    if staff is not None and request.method == "GET":
        return redirect(_home(staff))
    form = LoginForm()
    failed = False
    if request.method == "POST":
        wait = sign_in_backoff.seconds_to_wait(client_ip(), _typed_email())
        if wait:
            return _wait_answer(wait)
    if request.method == "POST" and form.validate():
        staff = authenticate(db.session, form.email.data, form.password.data, utcnow())
        if staff is not None:
            sign_in_backoff.forget_failures(client_ip(), _typed_email())
            start_session(staff)
            login_user(staff)
            audit.record(db.session, staff, audit.SIGN_IN, staff, client_ip())
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or _home(staff), 303)
        # Nothing typed is kept (people type passwords in the email field too): only the account
        # aimed at, when the email names one, as the trail names it everywhere.
        audit.record(db.session, None, audit.SIGN_IN_FAILED, staff_by_email(db.session, form.email.data), client_ip())
        db.session.commit()
        failed = True
    if request.method == "POST" and (failed or form.errors):
        sign_in_backoff.record_failure(client_ip(), _typed_email())
    return render_template("finance/login.html", form=form, failed=failed), (401 if failed else 200)


@bp.post("/logout")
@staff_required(*ALL_STAFF)
def logout():  # type: ignore[no-untyped-def]
    """Sign out (a POST with the CSRF token: a link elsewhere cannot sign anyone out)."""
    staff = signed_in_staff()
    audit.record(db.session, staff, audit.SIGN_OUT, staff, client_ip())
    end_sessions(staff)  # type: ignore[arg-type]  # staff_required: someone is signed in
    db.session.commit()
    end_session()
    flash(_("You are signed out."), "ok")
    return redirect(url_for("finance.login"), 303)


def _staff_error_message(error: StaffError) -> str:
    messages = {
        "taken": _("An account already exists for this email."),
        "bad_email": _("Please enter a valid email address, such as name@example.org."),
        "weak": _("This password is too common or too easy to guess. Choose a longer phrase of unusual words."),
    }
    return messages.get(error.code, str(error))


@bp.route("/staff", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def staff_list():  # type: ignore[no-untyped-def]
    """Every account, and a form to add one."""
    form = StaffForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                created = create_staff(db.session, form.email.data, StaffRole(form.role.data), form.password.data)
            except StaffError as error:
                db.session.rollback()
                field = form.password if error.code in ("weak", "too_short", "too_long") else form.email
                field.errors = [_staff_error_message(error)]
            else:
                audit.record(
                    db.session,
                    signed_in_staff(),
                    audit.STAFF_CREATED,
                    created,
                    client_ip(),
                    {"role": created.role.value},
                )
                db.session.commit()
                flash(_("Account created for %(email)s.", email=created.email), "ok")
                return redirect(url_for("finance.staff_list"), 303)
        status = 400
    return render_template("finance/staff.html", form=form, accounts=all_staff(db.session)), status


@bp.route("/staff/<int:staff_id>/active", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def staff_active(staff_id: int):  # type: ignore[no-untyped-def]
    """Deactivate an account (it can no longer sign in) or reactivate it, once confirmed."""
    account = db.session.get(StaffUser, staff_id)
    if account is None:
        abort(404)
    form = StaffActiveForm()
    acting = signed_in_staff()
    if request.method == "POST" and form.validate():
        try:
            set_active(account, not account.active, acting)  # type: ignore[arg-type]
        except StaffError:
            flash(_("You cannot deactivate your own account."), "error")
            return redirect(url_for("finance.staff_list"), 303)
        action = audit.STAFF_REACTIVATED if account.active else audit.STAFF_DEACTIVATED
        audit.record(db.session, acting, action, account, client_ip())
        db.session.commit()
        flash(_("Account of %(email)s updated.", email=account.email), "ok")
        return redirect(url_for("finance.staff_list"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/staff_active.html", form=form, account=account), status
