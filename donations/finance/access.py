"""Who may open each back-office page, and how long a staff session lasts.

Every view of the blueprint carries `@staff_required(role, …)` (or `@public`
for the sign-in page); a view carrying neither is refused, so a route added
without thought is closed rather than open. An anonymous visitor is sent to
the sign-in page (GET) or refused with 401 (any other method); a signed-in
member without the role gets 403.

A session ends 8 hours after sign-in (PERMANENT_SESSION_LIFETIME) whatever
happens, and after FINANCE_IDLE_MINUTES (default 30) without a request. It also
ends, on every browser at once, when the account signs out, gets a new password
or is deactivated: the session keeps the account's session generation of its
sign-in, and a request whose generation is no longer the account's is refused
(a copied cookie stops working too).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, make_response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from donations.clock import utcnow
from donations.models import StaffRole, StaffUser
from donations.platform.web import error_response

SIGNED_IN_AT = "finance_signed_in_at"
SEEN_AT = "finance_seen_at"
GENERATION = "finance_generation"
DEFAULT_IDLE_MINUTES = 30
READS = ("GET", "HEAD")


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page anyone may open (the sign-in page)."""
    view.finance_roles = ()  # type: ignore[attr-defined]
    return view


def start_session(staff: StaffUser) -> None:
    """After a good password: a new session (no fixation), permanent so it expires."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True
    now = utcnow().timestamp()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session[GENERATION] = staff.session_generation or 0


def end_session() -> None:
    """Sign out and forget the session's timestamps."""
    logout_user()
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)
    session.pop(GENERATION, None)


def _expired() -> bool:
    now = utcnow().timestamp()
    signed_in = session.get(SIGNED_IN_AT, 0)
    seen = session.get(SEEN_AT, 0)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    idle = 60 * int(current_app.config.get("FINANCE_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))
    return now - signed_in > lifetime or now - seen > idle


def _refuse_anonymous() -> Any:
    if request.method in READS:
        return redirect(url_for("finance.login", next=request.full_path if request.query_string else request.path))
    abort(make_response(error_response(401, _("Please sign in to the back office."))))


def signed_in_staff() -> StaffUser | None:
    """The signed-in staff member whose session is still valid, else None (an expired session is ended)."""
    if not current_user.is_authenticated or not isinstance(current_user._get_current_object(), StaffUser):
        return None
    revoked = session.get(GENERATION) != (current_user.session_generation or 0)
    if not current_user.is_active or revoked or _expired():
        end_session()
        flash(_("Your session has ended. Please sign in again."), "error")
        return None
    return current_user._get_current_object()  # type: ignore[no-any-return]


def staff_required(*roles: StaffRole) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only signed-in, active staff with one of `roles` reach the view."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = signed_in_staff()
            if staff is None:
                return _refuse_anonymous()
            if staff.role not in roles:
                abort(403)
            session[SEEN_AT] = utcnow().timestamp()
            return view(*args, **kwargs)

        wrapped.finance_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorate


def refuse_unmarked_views() -> None:
    """Blueprint guard: a view without `staff_required` or `public` is closed to everyone."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and not hasattr(view, "finance_roles"):
        abort(403)


def client_ip() -> str | None:
    """The address the request came from, as the audit trail records it."""
    return request.remote_addr


def safe_next(target: str | None) -> str | None:
    """A `next` address only if it is a path of the back office on this site (no open redirect).

    Refused: another host or scheme, a backslash (some browsers read it as a
    slash), and any control or space character: CR/LF cannot go into a
    Location header, and browsers drop tabs and newlines from addresses, which
    could turn what looks like a path into another host.
    """
    if not target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not (parts.path == "/finance" or parts.path.startswith("/finance/")):
        return None
    return target
