"""SMTP over TLS verifies the relay: STARTTLS and implicit TLS (port 465) against a real aiosmtpd
server whose certificate is signed by a private CA made for the test (openssl).

An untrusted certificate, or one for another name, is refused before anything
(the relay password, a sign-in link) is sent; the CA named by MAIL_CA_FILE is trusted.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from donations.config import ConfigError, load_config, mail_security, validate
from donations.platform import mail
from tests.support.mailbox import Mailbox
from tests.support.network import free_port
from tests.support.production import REAL_FOUNDATION

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="needs the openssl command to make certificates"
)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A private CA, and a certificate for 127.0.0.1 signed by it."""
    where = tmp_path_factory.mktemp("tls")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Test relay CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=where,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "relay.key",
        "-out",
        "relay.csr",
        cwd=where,
    )
    (where / "relay.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "relay.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "relay.ext",
        "-out",
        "relay.pem",
        cwd=where,
    )
    return Certificates(where / "ca.pem", where / "relay.pem", where / "relay.key")


@pytest.fixture
def starttls_relay(certificates: Certificates) -> Iterator[tuple[Mailbox, int]]:
    """A relay that offers STARTTLS and takes no mail before it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, tls_context=certificates.server_context(), require_starttls=True
    )
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def implicit_tls_relay(certificates: Certificates) -> Iterator[tuple[Mailbox, int]]:
    """A relay that speaks TLS from the first byte (as on port 465)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=certificates.server_context())
    controller.start()
    yield mailbox, port
    controller.stop()


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "dons@example.org",
        "camille.martin@example.org",
        "Votre lien de connexion",
    )
    message.set_content("https://dons.example.org/my/sign-in/secret-token")
    return message


def _send(app: Flask) -> None:
    with app.app_context():
        mail.deliver(_message())


REFUSED = {
    "starttls_without_a_trusted_ca": ("starttls_relay", {"MAIL_SECURITY": "starttls"}),
    "older_mail_use_tls_setting": ("starttls_relay", {"MAIL_USE_TLS": "true"}),
    # Same relay reached as "localhost", with its CA trusted: its certificate names 127.0.0.1 only.
    "trusted_certificate_for_another_name": (
        "starttls_relay",
        {"MAIL_SECURITY": "starttls", "MAIL_CA_FILE": "ca", "MAIL_SERVER": "localhost"},
    ),
    "implicit_tls_without_a_trusted_ca": ("implicit_tls_relay", {"MAIL_SECURITY": "ssl"}),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_relay_that_cannot_prove_who_it_is_is_refused_before_anything_is_sent(
    make_app: Callable[..., Flask], request: pytest.FixtureRequest, certificates: Certificates, case: str
) -> None:
    relay, settings = REFUSED[case]
    mailbox, port = request.getfixturevalue(relay)
    settings = {"MAIL_SERVER": "127.0.0.1", **settings}
    if settings.get("MAIL_CA_FILE") == "ca":
        settings["MAIL_CA_FILE"] = str(certificates.ca)
    app = make_app(MAIL_PORT=str(port), **settings)
    with pytest.raises(ssl.SSLCertVerificationError):
        _send(app)
    assert mailbox.messages == []


def test_starttls_sends_through_a_relay_signed_by_the_configured_ca(
    make_app: Callable[..., Flask], starttls_relay, certificates: Certificates
) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = starttls_relay
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="true", MAIL_CA_FILE=str(certificates.ca))
    _send(app)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Votre lien de connexion"


@pytest.mark.parametrize("setting", [{"MAIL_SECURITY": "ssl"}, {"MAIL_USE_SSL": "true"}])
def test_implicit_tls_sends_through_a_trusted_relay(
    make_app: Callable[..., Flask], implicit_tls_relay, certificates: Certificates, setting: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = implicit_tls_relay
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_CA_FILE=str(certificates.ca), **setting)
    _send(app)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "camille.martin@example.org"


def test_mail_security_settings_are_read_and_checked() -> None:
    assert mail_security(load_config({})) == "none"
    assert mail_security(load_config({"MAIL_USE_TLS": "true"})) == "starttls"
    assert mail_security(load_config({"MAIL_USE_SSL": "yes", "MAIL_USE_TLS": "true"})) == "ssl"
    assert mail_security(load_config({"MAIL_SECURITY": "none", "MAIL_USE_TLS": "true"})) == "none"
    with pytest.raises(ConfigError, match="MAIL_SECURITY"):
        load_config({"MAIL_SECURITY": "tls-please"})
    with pytest.raises(ConfigError, match="MAIL_TIMEOUT"):
        load_config({"MAIL_TIMEOUT": "0"})


def test_start_up_refuses_a_missing_ca_file_and_a_clear_text_password_in_production(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ConfigError, match="MAIL_CA_FILE"):
        make_app(MAIL_CA_FILE="/nonexistent/ca.pem")
    production = load_config(
        {
            "FLASK_ENV_NAME": "production",
            "SECRET_KEY": "p" * 48,
            "PUBLIC_BASE_URL": "https://dons.example.org",
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "MAIL_SERVER": "smtp.example.org",
            "MAIL_USERNAME": "dons",
            "MAIL_PASSWORD": "secret",
            **REAL_FOUNDATION,
        }
    )
    with pytest.raises(ConfigError, match="MAIL_SECURITY"):
        validate(production)
    validate({**production, "MAIL_SECURITY": "starttls"})
