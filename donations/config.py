"""Settings from the environment, checked once at start-up.

Every setting has a name in the environment (the names are a contract with
operators: see `.env.example`), a parser that turns the text into a value, and
a default when the law or common sense gives one. `load_config()` reads them
all and `validate()` refuses a bad or dangerous combination with a message
naming the variable, so a misconfigured service never starts half-right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from donations.clock import utcnow
from donations.config_checks import (
    validate_accounts,
    validate_giving_extras,
    validate_mail,
    validate_proxies_and_checkout_limits,
)
from donations.operations.settings import check_monitoring, parse_traffic_hours
from donations.platform.schedule_times import SCHEDULE_TIMES, parse_schedule_time
from donations.presets import parse_presets
from donations.receipting.foundation_settings import FoundationSettingError, check_foundation
from donations.receipting.signing_settings import SigningSettingError, check_receipt_signing
from donations.setting_values import (  # noqa: F401  (ConfigError and mail_security are imported from here too)
    MAIL_SECURITY_MODES,
    ConfigError,
    _bic,
    _bool,
    _cheque_tax_date,
    _database_url,
    _date,
    _decimal,
    _euros_as_cents,
    _http_url,
    _iban,
    _impacts,
    _int,
    _log_format,
    _mail_security,
    _month_day,
    _rate,
    _seconds,
    _text,
    mail_security,
)
from donations.tax import TaxRules

STRIPE_MAX_AMOUNT_CENTS = 99_999_999


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    parse: Callable[[str], Any]
    default: Any = None


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", "SECRET_KEY", _text),
    Setting("FLASK_ENV_NAME", "ENV_NAME", _text, "development"),
    Setting("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", _database_url),
    Setting("PUBLIC_BASE_URL", "PUBLIC_BASE_URL", _text, "http://127.0.0.1:5000"),
    Setting("LOG_LEVEL", "LOG_LEVEL", _text, "INFO"),
    Setting("LOG_FORMAT", "LOG_FORMAT", _log_format, "text"),  # text | json (one object per line)
    # The periodic commands' times, Paris time (donations/platform/schedule.py: Celery beat, or cron).
    *(Setting(env, env, parse_schedule_time, parse_schedule_time(default)) for env, default in SCHEDULE_TIMES.items()),
    # Stripe
    Setting("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY", _text),
    Setting("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET", _text),
    Setting("STRIPE_API_BASE", "STRIPE_API_BASE", _text),
    Setting("STRIPE_WEBHOOK_TOLERANCE", "STRIPE_WEBHOOK_TOLERANCE", _int, 300),
    # The billing portal configuration `flask stripe setup` made (bpc_…); unset: the account's default.
    Setting("STRIPE_PORTAL_CONFIGURATION", "STRIPE_PORTAL_CONFIGURATION", _text),
    # Bounded waits on Stripe: seconds per attempt, and retries after a network failure.
    Setting("STRIPE_TIMEOUT", "STRIPE_TIMEOUT", _seconds, 6.0),
    Setting("STRIPE_MAX_NETWORK_RETRIES", "STRIPE_MAX_NETWORK_RETRIES", _int, 2),
    # Receipts, mail and jobs
    Setting("RECEIPTS_DIR", "RECEIPTS_DIR", _text),
    Setting("MAIL_SERVER", "MAIL_SERVER", _text),
    Setting("MAIL_PORT", "MAIL_PORT", _int, 25),
    Setting("MAIL_USERNAME", "MAIL_USERNAME", _text),
    Setting("MAIL_PASSWORD", "MAIL_PASSWORD", _text),
    Setting("MAIL_USE_TLS", "MAIL_USE_TLS", _bool, False),
    Setting("MAIL_DEFAULT_SENDER", "MAIL_DEFAULT_SENDER", _text, "dons@example.org"),
    # starttls | ssl (implicit TLS, port 465) | none; unset: MAIL_USE_SSL, else MAIL_USE_TLS decide.
    Setting("MAIL_SECURITY", "MAIL_SECURITY", _mail_security),
    Setting("MAIL_USE_SSL", "MAIL_USE_SSL", _bool, False),
    # PEM file of the CA that signed the relay's certificate (default: the system's CAs).
    Setting("MAIL_CA_FILE", "MAIL_CA_FILE", _text),
    Setting("MAIL_TIMEOUT", "MAIL_TIMEOUT", _seconds, 10.0),
    Setting("CELERY_BROKER_URL", "CELERY_BROKER_URL", _text),
    # Where sign-in and link-request limits are counted; shared (redis://…) with several servers.
    Setting("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", _text, "memory://"),
    Setting("FINANCE_IDLE_MINUTES", "FINANCE_IDLE_MINUTES", _int, 30),
    # Personal data: days a stored Stripe event keeps its personal fields (`donations purge-personal-data`).
    Setting("EVENT_PAYLOAD_RETENTION_DAYS", "EVENT_PAYLOAD_RETENTION_DAYS", _int, 400),
    # The foundation's identity, printed on pages and receipts
    Setting("FOUNDATION_NAME", "FOUNDATION_NAME", _text, "Institut de recherche sur le cerveau (démonstration)"),
    Setting("FOUNDATION_ADDRESS", "FOUNDATION_ADDRESS", _text, "1 rue de l'Exemple, 75013 Paris, France"),
    Setting("FOUNDATION_SIREN", "FOUNDATION_SIREN", _text, "000000000"),
    Setting("FOUNDATION_RNA", "FOUNDATION_RNA", _text, ""),
    Setting("FOUNDATION_OBJECT", "FOUNDATION_OBJECT", _text, "Recherche sur les maladies du système nerveux"),
    Setting("FOUNDATION_RUP_DECREE_DATE", "FOUNDATION_RUP_DECREE_DATE", _date, dt.date(2006, 9, 13)),
    Setting("FOUNDATION_RUP_JO_DATE", "FOUNDATION_RUP_JO_DATE", _date, dt.date(2006, 9, 15)),
    Setting("FOUNDATION_SIGNATORY_NAME", "FOUNDATION_SIGNATORY_NAME", _text, "Signataire de démonstration"),
    Setting("FOUNDATION_SIGNATORY_TITLE", "FOUNDATION_SIGNATORY_TITLE", _text, "Directeur général"),
    Setting("FOUNDATION_SIGNATURE_IMAGE", "FOUNDATION_SIGNATURE_IMAGE", _text, ""),
    # The account donors give to by transfer ("par virement" on the form, shown only when both are set).
    Setting("FOUNDATION_IBAN", "FOUNDATION_IBAN", _iban, ""),
    Setting("FOUNDATION_BIC", "FOUNDATION_BIC", _bic, ""),
    # Which date of a cheque decides its tax year and is printed on its receipt: the day it was
    # received (the receipt is issued at once) or the day it was cashed, i.e. deposited (the receipt
    # waits for the deposit slip). A choice for the foundation's auditor.
    Setting("CHEQUE_TAX_DATE", "CHEQUE_TAX_DATE", _cheque_tax_date, "cashed"),  # TAX_RULES.md: the date cashed
    # Tax rules in force (defaults: the law as of 2026)
    Setting("TAX_INCOME_TAX_RATE", "TAX_INCOME_TAX_RATE", _rate, Decimal("0.66")),
    Setting("TAX_INCOME_TAX_CEILING", "TAX_INCOME_TAX_CEILING", _rate, Decimal("0.20")),
    Setting("TAX_IFI_RATE", "TAX_IFI_RATE", _rate, Decimal("0.75")),
    Setting("TAX_IFI_REDUCTION_CAP", "TAX_IFI_REDUCTION_CAP", _euros_as_cents, 5_000_000),
    Setting("TAX_COMPANY_RATE", "TAX_COMPANY_RATE", _rate, Decimal("0.60")),
    Setting("TAX_COMPANY_REDUCED_RATE", "TAX_COMPANY_REDUCED_RATE", _rate, Decimal("0.40")),
    Setting("TAX_COMPANY_REDUCED_RATE_ABOVE", "TAX_COMPANY_REDUCED_RATE_ABOVE", _euros_as_cents, 200_000_000),
    Setting("TAX_COMPANY_FLOOR", "TAX_COMPANY_FLOOR", _euros_as_cents, 2_000_000),
    Setting("TAX_COMPANY_TURNOVER_CEILING", "TAX_COMPANY_TURNOVER_CEILING", _rate, Decimal("0.005")),
    Setting("TAX_IFI_DEADLINE", "TAX_IFI_DEADLINE", _month_day, (6, 12)),
    Setting("CERFA_COMPANY_VERSION", "CERFA_COMPANY_VERSION", _text, "16216*03"),
    # The foundation's receipt-signing certificate (PAdES): a PEM key and certificate, or a PKCS#12
    # file; the password of an encrypted key or of the PKCS#12 file. Required in production.
    Setting("RECEIPT_SIGNING_KEY_FILE", "RECEIPT_SIGNING_KEY_FILE", _text),
    Setting("RECEIPT_SIGNING_CERT_FILE", "RECEIPT_SIGNING_CERT_FILE", _text),
    Setting("RECEIPT_SIGNING_PKCS12_FILE", "RECEIPT_SIGNING_PKCS12_FILE", _text),
    Setting("RECEIPT_SIGNING_PASSWORD", "RECEIPT_SIGNING_PASSWORD", _text),
    # An RFC 3161 time-stamping authority: receipts are then signed PAdES B-T (empty: B-B). Each
    # connection to it and each read waits RECEIPT_TSA_TIMEOUT seconds at most.
    Setting("RECEIPT_TSA_URL", "RECEIPT_TSA_URL", _http_url, ""),
    Setting("RECEIPT_TSA_TIMEOUT", "RECEIPT_TSA_TIMEOUT", _seconds, 10.0),
    # The accounts of the FEC (`flask accounting fec`): ANC 2018-06 defaults, to confirm with the accountant.
    Setting("ACCOUNT_INDIVIDUAL_GIFTS", "ACCOUNT_INDIVIDUAL_GIFTS", _text, "7541"),
    Setting("ACCOUNT_COMPANY_GIFTS", "ACCOUNT_COMPANY_GIFTS", _text, "7542"),
    Setting("ACCOUNT_BANK_FEES", "ACCOUNT_BANK_FEES", _text, "627"),
    Setting("ACCOUNT_BANK", "ACCOUNT_BANK", _text, "512"),
    Setting("ACCOUNT_STRIPE", "ACCOUNT_STRIPE", _text, "5118"),
    Setting("ACCOUNT_CASH", "ACCOUNT_CASH", _text, "531"),
    # Giving
    Setting("DONATION_MIN", "DONATION_MIN_CENTS", _euros_as_cents, 500),
    # The largest gift paid online: at most Stripe's limit of 8 digits (999 999,99 €); a larger
    # gift is made by bank transfer.
    Setting("DONATION_MAX", "DONATION_MAX_CENTS", _euros_as_cents, STRIPE_MAX_AMOUNT_CENTS),
    # Stripe's limit on one SEPA debit (10 000 € unless Stripe raised it for the account): above
    # it, Checkout offers the card only.
    Setting("SEPA_DEBIT_MAX", "SEPA_DEBIT_MAX_CENTS", _euros_as_cents, 1_000_000),
    Setting("DONATION_PRESETS", "DONATION_PRESETS", _text, "30,50,100,200"),
    Setting("DONATION_MONTHLY_PRESETS", "DONATION_MONTHLY_PRESETS", _text, "10,15,30,50"),
    Setting("DONATION_IFI_PRESETS", "DONATION_IFI_PRESETS", _text, "500,1000,5000,10000"),
    # Covering the fees: the estimated fee per method, a percentage and/or euros (donations/giving/fees.py).
    Setting("FEES_CARD", "FEES_CARD", _text, "1.5%+0.25"),
    Setting("FEES_SEPA_DEBIT", "FEES_SEPA_DEBIT", _text, "0.35"),
    # Origins (scheme://host[:port]) whose pages may frame /embed/donate; empty: none.
    Setting("EMBED_ALLOWED_ORIGINS", "EMBED_ALLOWED_ORIGINS", _text, ""),
    # What each preset amount makes possible, per language: "30=sentence|50=sentence" (euros=text).
    Setting("DONATION_IMPACT_FR", "DONATION_IMPACT_FR", _impacts, {}),
    Setting("DONATION_IMPACT_EN", "DONATION_IMPACT_EN", _impacts, {}),
    # The foundation's logo (a URL, or a path under static/) and its labels ("Don en Confiance|…").
    Setting("FOUNDATION_LOGO", "FOUNDATION_LOGO", _text, "img/logo.svg"),
    Setting("FOUNDATION_TRUST_LABELS", "FOUNDATION_TRUST_LABELS", _text, ""),
    # Where the article's "Read also" item leads (empty: the item is not shown).
    Setting("ARTICLE_RELATED_URL", "ARTICLE_RELATED_URL", _text, ""),
    # Minutes the thank-you page's receipt link stays valid.
    Setting("THANKS_RECEIPT_LINK_MINUTES", "THANKS_RECEIPT_LINK_MINUTES", _int, 30),
    # Behind reverse proxies: how many of them to believe (X-Forwarded-For/-Proto); 0 trusts none.
    Setting("TRUSTED_PROXIES", "TRUSTED_PROXIES", _int, 0),
    # Card-testing defence (donations/checkout_guard.py): velocity limits on Checkout Sessions,
    # the ALTCHA proof-of-work challenge past a soft threshold, tighter limits during a burst.
    Setting("CHECKOUT_LIMITS", "CHECKOUT_LIMITS", _bool, True),
    Setting("CHECKOUT_LIMIT_PER_ADDRESS", "CHECKOUT_LIMIT_PER_ADDRESS", _text, "10 per hour"),
    Setting("CHECKOUT_LIMIT_PER_EMAIL", "CHECKOUT_LIMIT_PER_EMAIL", _text, "5 per hour"),
    Setting("CHECKOUT_LIMIT_GLOBAL", "CHECKOUT_LIMIT_GLOBAL", _text, "300 per hour"),
    Setting("CHECKOUT_CHALLENGE_AFTER", "CHECKOUT_CHALLENGE_AFTER", _int, 3),
    Setting("CHECKOUT_GLOBAL_CHALLENGE_AFTER", "CHECKOUT_GLOBAL_CHALLENGE_AFTER", _int, 60),
    Setting("CHECKOUT_BURST_FAILURES", "CHECKOUT_BURST_FAILURES", _text, "15 per hour"),
    Setting("CHECKOUT_BURST_FACTOR", "CHECKOUT_BURST_FACTOR", _int, 2),
    Setting("ALTCHA_HMAC_KEY", "ALTCHA_HMAC_KEY", _text),
    Setting("ALTCHA_COST", "ALTCHA_COST", _int, 5000),
    Setting("ALTCHA_CHALLENGE_MINUTES", "ALTCHA_CHALLENGE_MINUTES", _int, 20),
    # Monitoring (docs/monitoring.md): /metrics' path and bearer token; the alert emails and thresholds.
    Setting("METRICS_PATH", "METRICS_PATH", _text, ""),
    Setting("METRICS_TOKEN", "METRICS_TOKEN", _text, ""),
    Setting("ALERT_EMAILS", "ALERT_EMAILS", _text, ""),
    Setting("ALERT_TRAFFIC_HOURS", "ALERT_TRAFFIC_HOURS", parse_traffic_hours, (8, 22)),
    Setting("ALERT_WEBHOOK_SILENCE_MINUTES", "ALERT_WEBHOOK_SILENCE_MINUTES", _int, 240),
    Setting("ALERT_FAILED_EVENTS", "ALERT_FAILED_EVENTS", _int, 1),
    Setting("ALERT_UNSENT_RECEIPTS", "ALERT_UNSENT_RECEIPTS", _int, 1),
    Setting("ALERT_UNSENT_RECEIPT_MINUTES", "ALERT_UNSENT_RECEIPT_MINUTES", _int, 60),
)

DANGEROUS_DEFAULT_SECRET = "dev-only-not-secret"
SANDBOX_DEFAULT_URL = "http://127.0.0.1:12111"
# Only ever shared between this service and the local sandbox; never a Stripe secret.
SANDBOX_WEBHOOK_SECRET = "whsec_local_sandbox_only"
SANDBOX_API_KEY = "sk_test_local_sandbox"


def stripe_live_mode(secret_key: str | None) -> bool:
    """Whether a Stripe key works on live money (the one place the rule is written)."""
    return str(secret_key or "").startswith(("sk_live_", "rk_live_"))


def load_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every setting from `environ`, parsed, with defaults filled in.

    Raises ConfigError naming the first variable that cannot be parsed.
    """
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw.strip() == "":
            config[setting.key] = setting.default
            continue
        try:
            config[setting.key] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{setting.env}={raw!r} is not valid: {exc}") from exc
    # Which settings took their default: in production the foundation's identity must not.
    config["SETTINGS_DEFAULTED"] = frozenset(
        s.env for s in SETTINGS if environ.get(s.env) is None or environ.get(s.env, "").strip() == ""
    )
    # Without a Stripe key the service talks to the local sandbox (DESIGN.md).
    config["STRIPE_USES_SANDBOX"] = not config["STRIPE_SECRET_KEY"]
    # Live or test mode, decided once from the key: every Stripe id and event is checked against it.
    config["STRIPE_LIVE_MODE"] = stripe_live_mode(config["STRIPE_SECRET_KEY"])
    if config["STRIPE_USES_SANDBOX"]:
        config["STRIPE_API_BASE"] = config["STRIPE_API_BASE"] or SANDBOX_DEFAULT_URL
        config["STRIPE_WEBHOOK_SECRET"] = config["STRIPE_WEBHOOK_SECRET"] or SANDBOX_WEBHOOK_SECRET
    return config


def tax_rules_from(config: Mapping[str, Any]) -> TaxRules:
    """The tax rules in force, built from the TAX_* settings."""
    return TaxRules(
        income_tax_rate=config["TAX_INCOME_TAX_RATE"],
        income_tax_ceiling=config["TAX_INCOME_TAX_CEILING"],
        ifi_rate=config["TAX_IFI_RATE"],
        ifi_reduction_cap_cents=config["TAX_IFI_REDUCTION_CAP"],
        company_rate=config["TAX_COMPANY_RATE"],
        company_reduced_rate=config["TAX_COMPANY_REDUCED_RATE"],
        company_reduced_rate_above_cents=config["TAX_COMPANY_REDUCED_RATE_ABOVE"],
        company_floor_cents=config["TAX_COMPANY_FLOOR"],
        company_turnover_ceiling=config["TAX_COMPANY_TURNOVER_CEILING"],
    )


def validate(config: Mapping[str, Any]) -> None:
    """Refuse a bad or dangerous combination of settings, naming the variable."""
    env_name = config.get("ENV_NAME") or "development"
    if env_name not in {"development", "testing", "production"}:
        raise ConfigError("FLASK_ENV_NAME must be development, testing or production")
    secret = config.get("SECRET_KEY")
    if env_name == "production" and (not secret or secret == DANGEROUS_DEFAULT_SECRET or len(secret) < 32):
        raise ConfigError("SECRET_KEY must be set to a random string of 32 characters or more in production")
    if not secret:
        raise ConfigError("SECRET_KEY is not set")
    validate_accounts(config)

    base_url = str(config.get("PUBLIC_BASE_URL") or "")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("PUBLIC_BASE_URL must be the service's address, such as https://dons.example.org")
    if env_name == "production" and not base_url.startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must use https in production (receipts print it)")

    key = config.get("STRIPE_SECRET_KEY") or ""
    if key and not key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        raise ConfigError("STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…)")
    live = stripe_live_mode(key)
    if live and config.get("STRIPE_API_BASE"):
        raise ConfigError("STRIPE_API_BASE (the local sandbox) cannot be used with a live STRIPE_SECRET_KEY")
    if key and not config.get("STRIPE_WEBHOOK_SECRET"):
        raise ConfigError("STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is set")
    if not key and env_name == "production":
        raise ConfigError("STRIPE_SECRET_KEY must be set in production (the local sandbox is a development tool)")

    for name in ("TAX_INCOME_TAX_RATE", "TAX_IFI_RATE", "TAX_COMPANY_RATE"):
        if not isinstance(config.get(name), Decimal):
            raise ConfigError(f"{name} must be a rate such as 0.66")
    if config["DONATION_MIN_CENTS"] > config["DONATION_MAX_CENTS"]:
        raise ConfigError("DONATION_MIN must not exceed DONATION_MAX")
    if config["DONATION_MAX_CENTS"] > STRIPE_MAX_AMOUNT_CENTS:
        raise ConfigError(
            "DONATION_MAX must be at most 999999.99: Stripe takes no larger amount (larger gifts come by bank transfer)"
        )
    if not 0 < config["SEPA_DEBIT_MAX_CENTS"] <= STRIPE_MAX_AMOUNT_CENTS:
        raise ConfigError("SEPA_DEBIT_MAX must be Stripe's limit on one SEPA debit, such as 10000 (euros)")
    for name in ("DONATION_PRESETS", "DONATION_MONTHLY_PRESETS", "DONATION_IFI_PRESETS"):
        try:
            parse_presets(config[name])
        except ValueError as exc:
            raise ConfigError(f"{name}={config[name]!r} is not valid: {exc}") from exc
    if bool(config.get("FOUNDATION_IBAN")) != bool(config.get("FOUNDATION_BIC")):
        raise ConfigError("FOUNDATION_IBAN and FOUNDATION_BIC go together: set both (transfers offered) or neither")
    validate_proxies_and_checkout_limits(config, env_name)
    validate_mail(config, env_name)
    validate_giving_extras(config)
    if getattr(config.get("SCHEDULE_ANNUAL_RECEIPTS"), "hour", 0) is None:
        raise ConfigError("SCHEDULE_ANNUAL_RECEIPTS must be a time of day (HH:MM): the January batch runs daily")
    check_monitoring(config, production=env_name == "production")
    if not 0 <= int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)) <= 5:
        raise ConfigError("STRIPE_MAX_NETWORK_RETRIES must be between 0 and 5")
    signature = config.get("FOUNDATION_SIGNATURE_IMAGE")
    if signature and not Path(signature).is_file():
        raise ConfigError(f"FOUNDATION_SIGNATURE_IMAGE={signature!r}: no such file")
    try:
        check_foundation(config, config.get("SETTINGS_DEFAULTED", frozenset()), production=env_name == "production")
    except FoundationSettingError as error:
        raise ConfigError(str(error)) from error
    try:
        check_receipt_signing(config, production=env_name == "production", now=utcnow())
    except SigningSettingError as error:
        raise ConfigError(str(error)) from error
