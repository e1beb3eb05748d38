"""Start-up refuses bad or dangerous configuration, naming the variable."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from donations import create_app
from donations.config import ConfigError, load_config, tax_rules_from, validate
from donations.tax import TaxRules
from tests.support.production import REAL_FOUNDATION

GOOD = {"SECRET_KEY": "k" * 40, "DATABASE_URL": "sqlite://"}


def checked(env: dict[str, str]) -> dict:
    config = load_config(env)
    validate(config)
    return config


def test_defaults_are_the_law_and_the_sandbox() -> None:
    config = checked(GOOD)
    assert tax_rules_from(config) == TaxRules()
    assert config["STRIPE_USES_SANDBOX"] is True
    assert config["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    assert config["DONATION_MIN_CENTS"] == 500
    assert config["DONATION_MAX_CENTS"] == 99_999_999  # Stripe's limit: 8 digits
    assert config["SEPA_DEBIT_MAX_CENTS"] == 1_000_000


def test_tax_rates_come_from_the_environment() -> None:
    config = checked({**GOOD, "TAX_INCOME_TAX_RATE": "0.70", "TAX_IFI_REDUCTION_CAP": "45000"})
    rules = tax_rules_from(config)
    assert rules.income_tax_rate == Decimal("0.70")
    assert rules.ifi_reduction_cap_cents == 4_500_000


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TAX_INCOME_TAX_RATE": "sixty-six"}, "TAX_INCOME_TAX_RATE"),
        ({"TAX_IFI_RATE": "1.5"}, "TAX_IFI_RATE"),
        ({"TAX_IFI_REDUCTION_CAP": "-3"}, "TAX_IFI_REDUCTION_CAP"),
        ({"FOUNDATION_RUP_DECREE_DATE": "13/09/2006"}, "FOUNDATION_RUP_DECREE_DATE"),
        ({"TAX_IFI_DEADLINE": "June"}, "TAX_IFI_DEADLINE"),
        ({"TAX_IFI_DEADLINE": "02-30"}, "TAX_IFI_DEADLINE"),
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"DONATION_PRESETS": "30,abc"}, "DONATION_PRESETS"),
        ({"DONATION_MIN": "500", "DONATION_MAX": "100"}, "DONATION_MIN"),
        ({"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": "sk_test_123"}, "STRIPE_WEBHOOK_SECRET"),
        (
            {
                "STRIPE_SECRET_KEY": "sk_live_123",
                "STRIPE_WEBHOOK_SECRET": "whsec_1",
                "STRIPE_API_BASE": "http://127.0.0.1:12111",
            },
            "STRIPE_API_BASE",
        ),
        ({"FOUNDATION_SIGNATURE_IMAGE": "/no/such/signature.png"}, "FOUNDATION_SIGNATURE_IMAGE"),
        ({"FLASK_ENV_NAME": "staging"}, "FLASK_ENV_NAME"),
    ],
)
def test_bad_setting_stops_start_up_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        checked({**GOOD, **env})


def test_production_needs_a_real_secret_key_and_a_stripe_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        checked({"FLASK_ENV_NAME": "production", "SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        checked({"FLASK_ENV_NAME": "production", "SECRET_KEY": "s" * 40, "PUBLIC_BASE_URL": "https://dons.example.org"})
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        checked(
            {
                "FLASK_ENV_NAME": "production",
                "SECRET_KEY": "s" * 40,
                "STRIPE_SECRET_KEY": "sk_live_1",
                "STRIPE_WEBHOOK_SECRET": "whsec_1",
            }
        )


def test_live_key_with_the_sandbox_refuses_to_build_the_app() -> None:
    with pytest.raises(ConfigError, match="STRIPE_API_BASE"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "DATABASE_URL": "sqlite://",
                "STRIPE_SECRET_KEY": "sk_live_abc",
                "STRIPE_WEBHOOK_SECRET": "whsec_abc",
                "STRIPE_API_BASE": "http://127.0.0.1:12111",
            }
        )


def test_postgres_urls_use_the_psycopg_driver() -> None:
    config = checked({**GOOD, "DATABASE_URL": "postgres://u@127.0.0.1/test"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/test"


def test_tests_never_read_the_developer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_from_a_developer_shell")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert app.config["STRIPE_SECRET_KEY"] is None
    assert app.config["STRIPE_USES_SANDBOX"] is True


def test_env_example_documents_every_setting_and_is_valid() -> None:
    from pathlib import Path

    from dotenv import dotenv_values

    from donations.config import SETTINGS

    example = dotenv_values(Path(__file__).resolve().parents[2] / ".env.example")
    missing = [s.env for s in SETTINGS if s.env not in example]
    assert missing == []
    config = load_config({**{k: v or "" for k, v in example.items()}, "SECRET_KEY": "k" * 40})
    validate(config)
    assert tax_rules_from(config) == TaxRules()


def test_unset_receipts_dir_keeps_the_instance_folder_default() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "RECEIPTS_DIR": ""})
    assert app.config["RECEIPTS_DIR"].endswith("instance/receipts")


PRODUCTION_WITH_A_REAL_FOUNDATION = {
    **REAL_FOUNDATION,
    "FLASK_ENV_NAME": "production",
    "SECRET_KEY": "s" * 40,
    "PUBLIC_BASE_URL": "https://dons.example.org",
    "STRIPE_SECRET_KEY": "sk_live_1",
    "STRIPE_WEBHOOK_SECRET": "whsec_1",
}


def test_production_starts_with_the_foundations_own_identity() -> None:
    assert checked(PRODUCTION_WITH_A_REAL_FOUNDATION)["FOUNDATION_SIREN"] == "732 829 320"


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"FOUNDATION_SIREN": "000000000"}, "FOUNDATION_SIREN"),  # the demo placeholder (its check digit holds)
        ({"FOUNDATION_SIREN": "732829321"}, "FOUNDATION_SIREN"),  # a wrong check digit
        ({"FOUNDATION_NAME": "Institut de recherche sur le cerveau (démonstration)"}, "FOUNDATION_NAME"),
        ({"FOUNDATION_SIGNATORY_NAME": "Signataire de démonstration"}, "FOUNDATION_SIGNATORY_NAME"),
        ({"FOUNDATION_RUP_DECREE_DATE": ""}, "FOUNDATION_RUP_DECREE_DATE"),
        ({"FOUNDATION_RUP_JO_DATE": ""}, "FOUNDATION_RUP_JO_DATE"),
        ({"FOUNDATION_SIGNATURE_IMAGE": ""}, "FOUNDATION_SIGNATURE_IMAGE"),
    ],
)
def test_production_refuses_the_demo_identity_naming_the_variable(change: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        checked({**PRODUCTION_WITH_A_REAL_FOUNDATION, **change})


@pytest.mark.parametrize("version", ["16216", "16216*3", "11580*05", "16216*03a", "garbage"])
def test_a_malformed_company_form_version_fails_start_up_not_every_company_webhook(version: str) -> None:
    with pytest.raises(ConfigError, match="CERFA_COMPANY_VERSION"):
        checked({**GOOD, "CERFA_COMPANY_VERSION": version})


def test_the_demo_identity_is_fine_outside_production() -> None:
    assert checked(GOOD)["FOUNDATION_SIREN"] == "000000000"


def test_the_company_form_defaults_to_its_current_version_16216_03() -> None:
    assert checked(GOOD)["CERFA_COMPANY_VERSION"] == "16216*03"
    assert "CERFA_COMPANY_VERSION=16216*03" in (Path(__file__).resolve().parents[2] / ".env.example").read_text()
