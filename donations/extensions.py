"""Flask extensions, created unbound here and bound in `create_app()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from donations.models.base import Base

# The models are plain SQLAlchemy classes on `Base`; Flask-SQLAlchemy
# manages the engine and the request-scoped session around them.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    class _Database(SQLAlchemy):
        # `db.session` is a scoped_session: every call goes to the current request's (or job's)
        # Session, so the domain functions that take a Session are handed `db.session` as one.
        session: Session  # type: ignore[assignment]

    db = _Database(model_class=Base)
else:
    db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _never_limited() -> bool:
    """Every limit of the service is on a person's POST (sign-in, sign-in links): pages, the API
    and Stripe's webhook deliveries skip the limiter.

    tests/security/test_rate_limits.py checks that no limit is declared elsewhere.
    """
    return request.method != "POST" or request.blueprint == "webhooks"
