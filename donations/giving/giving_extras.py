"""The donation form's extras: covering the fees, a gift in someone's name, the campaign and the visit's source.

A mixin of fields for `DonationForm`; their names (`cover_fees`, `tribute_kind`,
`tribute_name`, `tribute_notify_email`, `campaign`, `utm_*`) are a contract with
campaign sites.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, ValidationError

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.giving import campaigns
from donations.giving.fees import FEE_SETTINGS, fees_to_cover
from donations.models import PaymentMethod, TributeKind

# The methods whose fees a donor can cover: those Stripe takes online (not a cheque or cash).
ONLINE_METHOD_VALUES = frozenset(method.value for method in FEE_SETTINGS)

TRIBUTE_MESSAGE_MAX = 500


def _cut(text: str | None, length: int = 100) -> str:
    """A UTM value as kept: printable, at most `length` characters (links are not ours to check)."""
    return "".join(c for c in (text or "") if c.isprintable()).strip()[:length]


class GivingExtrasFields:
    """Fields mixed into DonationForm (WTForms collects them from every base class)."""

    cover_fees = BooleanField(_l("I add the estimated payment fees, so that the foundation receives my whole gift"))
    fees_method = RadioField(
        _l("I will pay by"),
        choices=[
            SelectChoice(PaymentMethod.CARD.value, _l("Card")),
            SelectChoice(PaymentMethod.SEPA_DEBIT.value, _l("SEPA direct debit")),
        ],
        default=PaymentMethod.CARD.value,
        validate_choice=False,
    )
    tribute_kind = RadioField(
        _l("A gift in someone's name"),
        choices=[
            SelectChoice("", _l("No")),
            SelectChoice(TributeKind.IN_MEMORY_OF.value, _l("In memory of")),
            SelectChoice(TributeKind.IN_HONOUR_OF.value, _l("In honour of")),
        ],
        default="",
        validate_choice=False,
    )
    tribute_name = StringField(_l("Their name"), validators=[Length(max=200, message=_l("At most 200 characters."))])
    tribute_notify_email = StringField(
        _l("Their email, to tell them of the gift (optional)"),
        validators=[
            Optional(),
            Email(_l("Please enter a valid email address, such as name@example.org.")),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
    )
    tribute_message = TextAreaField(
        _l("A short message for them (optional)"),
        validators=[
            Length(max=TRIBUTE_MESSAGE_MAX, message=_l("At most %(max)d characters.", max=TRIBUTE_MESSAGE_MAX))
        ],
    )
    tribute_show_amount = BooleanField(_l("Tell them the amount of my gift"))
    campaign = HiddenField(_l("Campaign"))
    utm_source = HiddenField()
    utm_medium = HiddenField()
    utm_campaign = HiddenField()

    amount_cents: int | None

    @property
    def chosen_fees_method(self) -> PaymentMethod:
        value = self.fees_method.data
        return PaymentMethod(value) if value in ONLINE_METHOD_VALUES else PaymentMethod.CARD

    @property
    def chosen_tribute(self) -> TributeKind | None:
        value = self.tribute_kind.data or ""
        return TributeKind(value) if value in TributeKind._value2member_map_ else None

    def fees_cents(self, gift_cents: int | None) -> int:
        """What covering the fees adds to `gift_cents` (0 when the box is not ticked)."""
        if not gift_cents or not self.cover_fees.data:
            return 0
        return fees_to_cover(gift_cents, self.chosen_fees_method, current_app.config)

    def validate_fees_method(self, field: RadioField) -> None:
        if field.data and field.data not in ONLINE_METHOD_VALUES:
            raise ValidationError(_l("Please choose card or SEPA direct debit."))

    def validate_tribute_kind(self, field: RadioField) -> None:
        if field.data and field.data not in TributeKind._value2member_map_:
            raise ValidationError(_l("Please choose in memory of, in honour of, or no."))

    def validate_tribute_name(self, field: StringField) -> None:
        # One line: the name goes in the notice's subject, where a line break has no place.
        field.data = " ".join((field.data or "").split())
        if self.chosen_tribute is not None and not field.data:
            raise ValidationError(_l("Please enter the name of the person the gift is made for."))

    def validate_tribute_notify_email(self, field: StringField) -> None:
        field.data = (field.data or "").strip()
        if field.data and self.chosen_tribute is None:
            raise ValidationError(_l("Choose in memory of or in honour of first, or leave this address empty."))

    def validate_tribute_message(self, field: TextAreaField) -> None:
        field.data = (field.data or "").strip()
        if field.data and not self.tribute_notify_email.data:
            raise ValidationError(
                _l("A message is sent to the address above: please enter it, or leave the message empty.")
            )

    def validate_campaign(self, field: HiddenField) -> None:
        slug = (field.data or "").strip().lower()
        if not slug:
            return
        campaign = campaigns.find_campaign(db.session, slug)
        if campaign is None:
            field.data = ""
            raise ValidationError(
                _l("This campaign does not exist. Send the form again to give to the foundation's research.")
            )
        if campaign.is_closed(paris_date(utcnow())):
            field.data = ""
            raise ValidationError(
                _l("This campaign has ended. Send the form again to give to the foundation's research.")
            )
        field.data = slug

    def utm(self) -> dict[str, str]:
        return {name: _cut(getattr(self, name).data) for name in ("utm_source", "utm_medium", "utm_campaign")}

    def prefill_extras(self, args: Any) -> None:
        """A GET of the form prefilled from the widget's or a link's query."""
        self.cover_fees.data = args.get("cover_fees") == "y"
        if args.get("fees_method") in ONLINE_METHOD_VALUES:
            self.fees_method.data = args.get("fees_method")
        if args.get("tribute_kind") in TributeKind._value2member_map_:
            self.tribute_kind.data = args.get("tribute_kind")
        self.campaign.data = _cut(args.get("campaign"), 60).lower()
        for name, value in self.utm().items():
            getattr(self, name).data = _cut(args.get(name)) or value


def fee_estimates(gift_cents: int | None) -> dict[str, int]:
    """What covering the fees would add to `gift_cents`, per method (for the page to show before paying)."""
    if not gift_cents:
        return {}
    return {method.value: fees_to_cover(gift_cents, method, current_app.config) for method in FEE_SETTINGS}


def extras_from(form: Any) -> Any:
    """The GiftExtras of a valid form: the fees it adds, its tribute, its campaign (the default one
    when it names none) and the visit's source."""
    from donations.giving.operations import GiftExtras

    fees = form.fees_cents(form.amount_cents)
    campaign = campaigns.find_campaign(db.session, form.campaign.data) or campaigns.default_campaign(db.session)
    tribute = form.chosen_tribute
    return GiftExtras(
        fees_covered_cents=fees,
        fees_method=form.chosen_fees_method if fees else None,
        tribute_kind=tribute,
        tribute_name=(form.tribute_name.data or "") if tribute else "",
        tribute_notify_email=(form.tribute_notify_email.data or "") if tribute else "",
        tribute_message=(form.tribute_message.data or "") if tribute else "",
        tribute_show_amount=bool(form.tribute_show_amount.data) if tribute else False,
        campaign_id=campaign.id if campaign else None,
        **form.utm(),
    )


def fee_formulas_for_page() -> dict[str, dict[str, int]]:
    """The configured fee estimates as the page's script mirrors them: rate in parts per 10 000, fixed cents."""
    from donations.giving.fees import fee_formulas

    return {
        method.value: {"rate": int(formula.rate * 10000), "fixed": formula.fixed_cents}
        for method, formula in fee_formulas(current_app.config).items()
    }


def embed_token_for(form: Any) -> str:
    """The embedded form's cookie-free CSRF token (donations/giving/embedding.py), for its submission token."""
    from donations.giving.embedding import embed_token

    return embed_token(current_app.config["SECRET_KEY"], form.submission_token.data or "")


UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign")


def widget_extras(amount_cents: int, args: Any, campaign_slug: str = "") -> dict[str, Any]:
    """What the widget shows and carries beside its amounts: the card fee estimate for the amount
    shown, and the campaign and UTM parameters of the visit, passed on to the form."""
    hidden = {name: _cut(args.get(name)) for name in UTM_NAMES}
    hidden["campaign"] = campaign_slug
    return {
        "fee_formulas": fee_formulas_for_page(),
        "widget_fees": fees_to_cover(amount_cents, PaymentMethod.CARD, current_app.config) if amount_cents else 0,
        "widget_hidden": hidden,
    }
