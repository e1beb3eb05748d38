"""The public pages: the article with its widget, and giving."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from donations.giving import views  # noqa: E402,F401  (routes register on import)
from donations.giving import campaign_views, embed_views  # noqa: E402,F401  (campaigns /c/<slug>, /embed/*)
