"""French wording the back office gets right: "Don d'Élodie" (elision before a vowel or a mute h),
"annulé : Remboursement" (a space before the colon, the reason in the reader's language)."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_pgettext, pgettext

# The reasons the service itself writes when it cancels a receipt (stored in French, as printed).
REASONS = {
    "Remboursement": lazy_pgettext("cancellation reason", "Refund"),
    "Litige perdu": lazy_pgettext("cancellation reason", "Dispute lost"),
}


def elides(name: str) -> bool:
    """Whether French writes "d'" rather than "de" before this name (a vowel, y, or a mute h)."""
    bare = unicodedata.normalize("NFD", (name or "").strip())
    first = next((c for c in bare if c.isalpha()), "")
    return first.lower() in "aeiouyh"


def donation_title(name: str) -> str:
    """ "Don de Camille Martin", "Don d'Élodie Durand"; "Donation of …" in English."""
    if elides(name):
        return pgettext("before a vowel", "Donation of %(name)s", name=name)
    return _("Donation of %(name)s", name=name)


def stop_monthly_title(name: str) -> str:
    """ "Arrêter le don mensuel d'Élodie Durand"."""
    if elides(name):
        return pgettext("before a vowel", "Stop the monthly gift of %(name)s", name=name)
    return _("Stop the monthly gift of %(name)s", name=name)


def reason_label(reason: str | None) -> str:
    """A cancellation reason in the reader's language (one typed by staff stays as typed)."""
    if not reason:
        return ""
    return str(REASONS.get(reason, reason))


def status_with_reason(status: str, reason: str | None) -> str:
    """ "annulé : Remboursement" in French, "cancelled: Refund" in English."""
    if not reason:
        return status
    return _("%(status)s: %(reason)s", status=status, reason=reason_label(reason))
