"""/my: the donor portal (sign-in by emailed link, gifts, receipts, monthly gift)."""

from flask import Blueprint

from donations.platform.security import no_store

bp = Blueprint("portal", __name__, url_prefix="/my")
bp.after_request(no_store)  # every portal page shows a donor's data


@bp.context_processor
def _awaited_changes() -> dict[str, object]:
    from donations import awaited_changes

    return {
        "shown_status": awaited_changes.shown_status,
        "shown_amount": awaited_changes.shown_amount,
        "awaiting_confirmation": awaited_changes.awaiting_confirmation,
    }

from donations.portal import views  # noqa: E402,F401  (routes register on import)
