"""The public pages: the article with its widget, and giving."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from donations.giving import explained_views, thanks_views, views  # noqa: E402,F401  (routes register on import)
