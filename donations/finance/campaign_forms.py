"""The back office's campaign form (create and edit)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from donations.giving import campaigns
from donations.giving.amounts import amount_error_message
from donations.money import AmountError, parse_euros


class CampaignForm(FlaskForm):
    """A campaign as staff write it; the slug only when it is created."""

    slug = StringField(_l("Address (slug)"), validators=[Length(max=60, message=_l("At most 60 characters."))])
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Please enter a title.")), Length(max=200, message=_l("At most 200 characters."))],
    )
    goal = StringField(_l("Goal in euros"), validators=[DataRequired(_l("Please enter the goal in euros."))])
    text_markdown = TextAreaField(
        _l("Text (Markdown)"), validators=[Length(max=20000, message=_l("At most 20000 characters."))]
    )
    image_url = StringField(
        _l("Image (a path on this site, such as /static/img/appeal.jpg)"),
        validators=[Length(max=500, message=_l("At most 500 characters."))],
    )
    image_alt = StringField(
        _l("What the image shows"), validators=[Length(max=300, message=_l("At most 300 characters."))]
    )
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    preset_amounts = StringField(
        _l("Its own amounts in euros, such as 30,50,100 (empty: the site's)"),
        validators=[Length(max=200, message=_l("At most 200 characters."))],
    )

    goal_cents: int = 0
    creating: bool = False

    def validate_slug(self, field: StringField) -> None:
        if not self.creating:
            return
        try:
            field.data = campaigns.check_slug(field.data or "")
        except campaigns.CampaignError as error:
            raise ValidationError(_l("Lowercase letters, digits and hyphens, such as appeal-2026.")) from error

    def validate_goal(self, field: StringField) -> None:
        try:
            self.goal_cents = parse_euros(field.data)
        except AmountError as error:
            raise ValidationError(amount_error_message(error)) from error

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day comes before the first."))

    def validate_image_url(self, field: StringField) -> None:
        try:
            campaigns.check_image_url(field.data)
        except campaigns.CampaignError as error:
            raise ValidationError(_l("A path on this site, such as /static/img/appeal.jpg.")) from error

    def validate_preset_amounts(self, field: StringField) -> None:
        try:
            campaigns.check_presets(field.data)
        except campaigns.CampaignError as error:
            raise ValidationError(_l("Amounts in euros separated by commas, such as 30,50,100.")) from error

    def details(self) -> campaigns.CampaignDetails:
        return campaigns.CampaignDetails(
            title=self.title.data or "",
            goal_cents=self.goal_cents,
            text_markdown=self.text_markdown.data or "",
            image_url=self.image_url.data,
            image_alt=self.image_alt.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            preset_amounts=self.preset_amounts.data or "",
        )
