"""The application factory: configuration, extensions, blueprints, commands."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from flask import Flask
from sqlalchemy import event

from donations.config import SETTINGS, load_config, validate
from donations.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("fr", "en")
_SETTING_NAMES = {setting.env for setting in SETTINGS}

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    `config` holds settings by their environment names (parsed and checked like
    the environment) and plain Flask keys. With `TESTING` set, only `config` is
    read: a test never picks up a developer's keys from the environment or `.env`.
    """
    config = dict(config or {})
    testing = bool(config.get("TESTING"))
    if testing:
        environ: dict[str, str] = {}
    else:
        environ = {k: v for k, v in dotenv_values(PROJECT_ROOT / ".env").items() if v is not None}
        environ.update(os.environ)
    environ.update({k: str(v) for k, v in config.items() if k in _SETTING_NAMES})
    if testing:
        environ.setdefault("FLASK_ENV_NAME", "testing")

    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    settings = load_config(environ)
    if not settings["SECRET_KEY"] and settings["ENV_NAME"] != "production":
        # Development without a .env still starts; sessions just do not survive a restart.
        settings["SECRET_KEY"] = os.urandom(32).hex()
        log.warning("SECRET_KEY is not set: using a random key for this process only")
    defaults = _defaults(app, settings)
    app.config.update(defaults)
    # An unset setting keeps the factory's default (e.g. RECEIPTS_DIR under instance/).
    app.config.update({k: v for k, v in settings.items() if v is not None or k not in defaults})
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'donations.sqlite'}"
    app.config.update({k: v for k, v in config.items() if k not in _SETTING_NAMES})
    validate(app.config)

    _configure_logging(app)
    from donations.platform.cookie_session import install_cookie_session

    install_cookie_session(app)
    _init_extensions(app)
    from donations.platform.input_checks import install_record_id_converter

    install_record_id_converter(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from donations.cli import register_commands
    from donations.giving.landing_front import install_landing_front
    from donations.operations.views import register_operations
    from donations.platform.deployment import check_deployment
    from donations.platform.input_checks import register_input_checks
    from donations.platform.security import register_security_headers
    from donations.platform.web import register_error_handlers

    install_landing_front(app)  # inside the proxy fix check_deployment may put around it
    check_deployment(app)
    register_error_handlers(app)
    register_input_checks(app)
    register_security_headers(app)
    register_operations(app)
    register_commands(app)
    return app


def _defaults(app: Flask, settings: Mapping[str, Any]) -> dict[str, Any]:
    production = settings["ENV_NAME"] == "production"
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RECEIPTS_DIR": str(Path(app.instance_path) / "receipts"),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in WAL mode: readers never wait for the writer and a commit costs one fsync of the
    log; synchronous=FULL keeps every commit durable (a webhook answered 200 is never lost)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _configure_logging(app: Flask) -> None:
    from donations.platform.logs import configure_logging, register_request_ids
    from donations.platform.security import redact_sign_in_tokens_in_access_logs

    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    configure_logging(app.config["LOG_FORMAT"], level)  # text, or one JSON object per line
    logging.getLogger("donations").setLevel(level)
    redact_sign_in_tokens_in_access_logs()
    register_request_ids(app)


def _init_extensions(app: Flask) -> None:
    from donations.platform.locale import select_locale

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    from donations.platform.stripe_api import make_client

    app.extensions["stripe_client"] = make_client(app.config)
    if app.config.get("CELERY_BROKER_URL"):
        from donations.platform.worker import make_celery

        make_celery(app)
    import donations.finance.auth
    import donations.models  # noqa: F401  (registers the tables with the metadata)


def _register_blueprints(app: Flask) -> None:
    from donations.finance import (  # noqa: F401  (their routes join finance's blueprint)
        action_views,
        bank_views,
        failed_views,
        giving_views,
        money_views,
        offline_views,
        staff_views,
    )
    from donations.finance.views import bp as finance_bp
    from donations.fulfilment.webhook import bp as webhooks_bp
    from donations.giving import campaign_views, embed_views, explained_views, thanks_views, transfer_views  # noqa: F401  (their routes join the public blueprint)
    from donations.giving.api import bp as api_bp
    from donations.giving.views import bp as public_bp
    from donations.portal import sign_in_views  # noqa: F401  (its routes join the portal's blueprint)
    from donations.portal.views import bp as portal_bp
    from donations.receipting.views import bp as receipts_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(receipts_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(finance_bp)


def _register_template_helpers(app: Flask) -> None:
    from donations.platform.locale import register_template_helpers

    register_template_helpers(app)
