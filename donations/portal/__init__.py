"""/my: the donor portal (sign-in by emailed link, gifts, receipts, monthly gift)."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/my")

from donations.portal import views  # noqa: E402,F401  (routes register on import)
