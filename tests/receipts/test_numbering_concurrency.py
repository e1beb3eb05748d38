"""Receipt numbers stay consecutive, with no gap and no repeat, whatever issues at once."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from donations.models import Receipt, ReceiptSequence
from receipts.issuing import issue_for_payment
from receipts.numbering import next_number
from tests.support.factories import issuing_context, settled_payment

ISSUERS = 8
PAYMENTS = 48


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


def _prepare(url: str) -> list[int]:
    engine = _engine(url)
    with Session(engine) as session:
        ids = [settled_payment(session, 1000 + i).id for i in range(PAYMENTS)]
        session.commit()
    engine.dispose()
    return ids


def _issue_all(url: str, payment_ids: list[int]) -> list[str]:
    """One issuer: each payment's receipt in its own transaction, as the webhook does."""
    from donations.models import Payment

    engine = _engine(url)
    numbers = []
    try:
        for payment_id in payment_ids:
            with Session(engine) as session:
                issued = issue_for_payment(session, session.get(Payment, payment_id), issuing_context())
                session.commit()
                numbers.append(issued.receipt.number)
    finally:
        engine.dispose()
    return numbers


def _sequences(url: str) -> list[int]:
    engine = _engine(url)
    with Session(engine) as session:
        found = list(session.scalars(sa.select(Receipt.sequence).order_by(Receipt.sequence)))
    engine.dispose()
    return found


def _assert_gapless(url: str) -> None:
    assert _sequences(url) == list(range(1, PAYMENTS + 1))


def test_threads_issuing_at_once_get_consecutive_numbers(database_url: str) -> None:
    ids = _prepare(database_url)
    chunks = [ids[i::ISSUERS] for i in range(ISSUERS)]
    errors: list[BaseException] = []

    def run(chunk: list[int]) -> None:
        try:
            _issue_all(database_url, chunk)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_gapless(database_url)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="processes issuing at once: PostgreSQL run only")
def test_processes_issuing_at_once_get_consecutive_numbers(database_url: str) -> None:
    ids = _prepare(database_url)
    chunks = [ids[i::ISSUERS] for i in range(ISSUERS)]
    with multiprocessing.get_context("spawn").Pool(ISSUERS) as pool:
        results = pool.starmap(_issue_all, [(database_url, chunk) for chunk in chunks])
    assert sorted(n for numbers in results for n in numbers) == [f"2026-{i:06d}" for i in range(1, PAYMENTS + 1)]
    _assert_gapless(database_url)


def test_a_rolled_back_issue_gives_its_number_back(database_url: str) -> None:
    engine = _engine(database_url)
    with Session(engine) as session:
        assert next_number(session, 2030).text == "2030-000001"
        session.rollback()
    with Session(engine) as session:
        assert next_number(session, 2030).text == "2030-000001"
        assert next_number(session, 2030).text == "2030-000002"
        assert next_number(session, 2031).text == "2031-000001"
        session.commit()
        assert session.get(ReceiptSequence, 2030).last_number == 2
    engine.dispose()
