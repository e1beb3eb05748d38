"""The January batch draws and emails its recaps over reused SMTP connections, on a real local
server (aiosmtpd) that counts them: a connection per chunk, not per message; a connection the
server drops is opened again; a message refused stays pending without holding back the others;
recaps a stopped run issued but never emailed are sent by the next run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import Receipt
from donations.platform.mail import Mailer
from donations.receipting import batch
from donations.receipting.delivery import DELIVERY_CHUNK, deliver_each
from receipts.storage import ReceiptStore, sha256_of
from tests.support.bulk import make_monthly_donors
from tests.support.live_gifts import pdf_text
from tests.support.mailbox import CountingMailbox, counting_smtp_server

YEAR = paris_date(utcnow()).year - 1  # the January batch recaps the year just ended


@pytest.fixture
def mail_app(make_app: Callable[..., Flask]) -> Iterator[Callable[[CountingMailbox], Flask]]:
    """An app mailing a counting local SMTP server; the servers stop after the test."""
    servers = []

    def build(mailbox: CountingMailbox) -> Flask:
        server = counting_smtp_server(mailbox)
        port = server.__enter__()
        servers.append(server)
        return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))

    yield build
    for server in servers:
        server.__exit__(None, None, None)


def annual(app: Flask, *options: str) -> str:
    result = app.test_cli_runner().invoke(args=["receipts", "annual", "--year", str(YEAR), *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_fifty_recaps_are_drawn_stored_and_emailed_over_one_connection(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox(keep=True)
    app = mail_app(mailbox)
    with app.app_context():
        make_monthly_donors(db.engine, 50, year=YEAR)
    assert "50 annual receipt(s) issued" in annual(app)
    assert mailbox.wait_for(50) == 50
    assert mailbox.connections == 1  # 50 emails, one chunk: one connection, not 50
    assert sorted(mailbox.recipients) == sorted(f"donor{i}@example.org" for i in range(1, 51))
    with app.app_context():
        receipts = db.session.scalars(select(Receipt).order_by(Receipt.id)).all()
        store = ReceiptStore(app.config["RECEIPTS_DIR"])
        for receipt in receipts:
            assert receipt.emailed_at is not None and receipt.pdf_problem is None
            stored = store.load(receipt.number)
            assert stored is not None and sha256_of(stored) == receipt.pdf_sha256
    attached = {
        part.get_filename(): part.get_content() for mail in mailbox.messages() for part in mail.iter_attachments()
    }
    first = receipts[0]
    pdf = attached[f"recu-fiscal-{first.number}.pdf"]
    assert sha256_of(pdf) == first.pdf_sha256  # the very file stored and hashed
    assert first.number in pdf_text(pdf)


def test_more_recaps_than_a_chunk_take_a_connection_per_chunk(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox()
    app = mail_app(mailbox)
    donors = DELIVERY_CHUNK * 2 + 10
    with app.app_context():
        make_monthly_donors(db.engine, donors, year=YEAR)
    annual(app)
    assert mailbox.wait_for(donors) == donors
    assert mailbox.connections == 3
    assert len(set(mailbox.recipients)) == donors


def test_a_connection_the_server_drops_mid_chunk_is_opened_again_and_no_email_is_lost(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox(drop_at=20)
    app = mail_app(mailbox)
    with app.app_context():
        make_monthly_donors(db.engine, 40, year=YEAR)
    annual(app)
    assert mailbox.wait_for(40) == 40
    assert mailbox.connections == 2
    assert sorted(mailbox.recipients) == sorted(f"donor{i}@example.org" for i in range(1, 41))  # each once
    with app.app_context():
        assert all(r.emailed_at is not None for r in db.session.scalars(select(Receipt)))


def test_a_refused_message_stays_pending_and_the_others_leave(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox(refuse=frozenset({"donor7@example.org"}))
    app = mail_app(mailbox)
    with app.app_context():
        make_monthly_donors(db.engine, 30, year=YEAR)
    annual(app)
    # Tried three times (the job's retries), each time on one connection for the chunk.
    assert mailbox.wait_for(29) == 29 and sorted(set(mailbox.recipients)) == sorted(
        f"donor{i}@example.org" for i in range(1, 31) if i != 7
    )
    assert len(mailbox.recipients) == 29  # the others are never sent twice
    with app.app_context():
        pending = db.session.scalars(select(Receipt).where(Receipt.emailed_at.is_(None))).all()
        assert [r.donor.email for r in pending] == ["donor7@example.org"]
        assert pending[0].pdf_sha256 is not None  # drawn and stored all the same
    # The server takes it again: `send-pending` sends it.
    mailbox.refuse = frozenset()
    result = app.test_cli_runner().invoke(args=["receipts", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "1 email(s) sent, 0 still pending." in result.output
    assert mailbox.recipients.count("donor7@example.org") == 1


def test_recaps_issued_by_a_run_stopped_before_emailing_are_emailed_by_the_next_run(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox()
    app = mail_app(mailbox)
    with app.app_context():
        make_monthly_donors(db.engine, 25, year=YEAR)
        due, _waiting = batch.plan(YEAR)
        # What a run killed between its commit and its emails leaves: recaps issued, not drawn, not emailed.
        assert len(batch.issue_annual_chunk(YEAR, due[:15], email=False)) == 15
    output = annual(app)
    assert "15 recap(s) issued earlier handed over again to be drawn and emailed." in output
    assert "10 annual receipt(s) issued" in output
    assert mailbox.wait_for(25) == 25 and len(set(mailbox.recipients)) == 25
    with app.app_context():
        assert all(r.emailed_at is not None and r.pdf_sha256 for r in db.session.scalars(select(Receipt)))
    assert "0 annual receipt(s) issued" in annual(app)
    assert "handed over again" not in annual(app)
    assert len(mailbox.recipients) == 25


def test_a_mailer_reuses_its_connection_and_reopens_it_when_the_server_hung_up(mail_app) -> None:  # type: ignore[no-untyped-def]
    mailbox = CountingMailbox(drop_at=3)
    app = mail_app(mailbox)
    with app.app_context(), Mailer() as mailer:
        for n in range(5):
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = "recus@example.org", f"person{n}@example.org", f"Test {n}"
            mail.set_content("Bonjour")
            mailer.send(mail)
        assert mailer.connections == 2
    assert mailbox.wait_for(5) == 5 and mailbox.connections == 2
    assert mailbox.recipients == [f"person{n}@example.org" for n in range(5)]


def test_a_recap_being_delivered_by_another_worker_is_left_to_it(mail_app, database_url: str) -> None:  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are PostgreSQL's; SQLite runs one writer at a time")
    mailbox = CountingMailbox()
    app = mail_app(mailbox)
    with app.app_context():
        make_monthly_donors(db.engine, 5, year=YEAR)
        due, _waiting = batch.plan(YEAR)
        ids = batch.issue_annual_chunk(YEAR, due, email=False)
        other = sa.create_engine(database_url)
        with other.connect() as worker:  # another worker, in the middle of the third recap
            worker.execute(sa.text("SELECT id FROM receipt WHERE id = :id FOR UPDATE"), {"id": ids[2]})
            assert deliver_each(ids) == (4, 0)
        other.dispose()
        assert mailbox.wait_for(4) == 4 and "donor3@example.org" not in mailbox.recipients
        assert deliver_each(ids) == (1, 0)  # done once the other let go
    assert mailbox.wait_for(5) == 5 and len(set(mailbox.recipients)) == 5
