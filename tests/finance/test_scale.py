"""Pages whose cost follows the page, not the history: statements per page, exact identifiers first,
names found whatever their accents and case, keyset pages that never skip or repeat a row."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.extensions import db
from donations.finance.keyset import BadCursor, decode_cursor, keyset_page
from donations.finance.search import DonationFilter
from donations.models import Donation, DonationKind, Donor, DonorType, Payment
from tests.support.donor_portal import signed_in
from tests.support.factories import settled_payment
from tests.support.pages import text_of
from tests.support.statements import statements_of

PAGE_LIMIT = 10  # the target: every finance and portal page in at most ten statements


def donation_ids(page: str) -> list[str]:
    return re.findall(r'href="/finance/donations/([0-9a-f-]{36})"', page)


def gifts(app: Flask, count: int, **donor: Any) -> list[str]:
    """`count` paid gifts (donor fields overridden by `donor`); their public ids."""
    with app.app_context():
        made = []
        for _ in range(count):
            payment = settled_payment(db.session, 2500)
            for name, value in donor.items():
                setattr(payment.donation.donor, name, value)
            payment.donation.identity = payment.donation.donor.identity.to_json()
            made.append(payment.donation)
        db.session.commit()
        return [d.public_id for d in made]


def statements_for(app: Flask, browser: FlaskClient, path: str) -> int:
    with statements_of(app) as seen:
        answer = browser.get(path)
    assert answer.status_code == 200, answer.text
    return len(seen)


# --- statements per page ---------------------------------------------------------------


def test_the_donations_list_makes_as_few_statements_for_fifty_rows_as_for_five(
    app: Flask, finance: FlaskClient
) -> None:
    gifts(app, 5)
    few = statements_for(app, finance, "/finance/donations")
    gifts(app, 60)
    many = statements_for(app, finance, "/finance/donations")
    # The donor of each row comes with the row (no statement per row), whatever the page holds.
    assert many == few <= PAGE_LIMIT
    assert statements_for(app, finance, "/finance/donations?sort=donor&order=asc") == few


@pytest.mark.parametrize(
    "path",
    [
        "/finance/",
        "/finance/receipts",
        "/finance/audit",
        "/finance/declaration",
        "/finance/donations?q=martin",
        "/finance/donations?q=donor3%40example.org",
    ],
)
def test_each_finance_page_makes_at_most_ten_statements(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any], path: str
) -> None:
    for _ in range(3):
        paid_gift(3000)
    gifts(app, 20)
    assert statements_for(app, finance, path) <= PAGE_LIMIT


def test_a_donation_page_makes_at_most_ten_statements(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _number, _payment = paid_gift(4200)
    assert statements_for(app, finance, f"/finance/donations/{public_id}") <= PAGE_LIMIT


def test_the_portal_lists_many_gifts_in_as_many_statements_as_one(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAIL_SERVER="")
    email = "camille.martin@example.org"
    with app.app_context():
        donor = settled_payment(db.session).donation.donor
        donor.email = email
        db.session.commit()
    browser = signed_in(app, email)
    one = statements_for(app, browser, "/my/gifts")
    with app.app_context():
        donor = db.session.scalars(select(Donor).where(Donor.email == email)).one()
        for _ in range(12):
            settled_payment(db.session, donor=donor)
        db.session.commit()
    assert statements_for(app, browser, "/my/gifts") == one <= PAGE_LIMIT


# --- search ----------------------------------------------------------------------------


def search(finance: FlaskClient, q: str) -> list[str]:
    page = finance.get("/finance/donations", query_string={"q": q})
    assert page.status_code == 200, page.text
    return donation_ids(page.text)


def test_a_name_is_found_whatever_its_accents_and_case(app: Flask, finance: FlaskClient) -> None:
    (lefevre,) = gifts(app, 1, first_name="Hélène", last_name="Lefèvre")
    (oeuvre,) = gifts(
        app,
        1,
        first_name="Cœur",
        last_name="Dubois",
        donor_type=DonorType.COMPANY,
        company_name="Œuvres Réunies",
        siren="552100554",
        legal_form="SA",
    )
    gifts(app, 3)  # others: Camille Martin n
    assert search(finance, "lefevre") == [lefevre]
    assert search(finance, "LEFÈVRE") == [lefevre]
    assert search(finance, "  helene   LEFEVRE ") == [lefevre]
    assert search(finance, "oeuvres reunies") == [oeuvre]
    assert search(finance, "lefebvre") == []
    # Words are text, never patterns.
    assert search(finance, "%") == [] and search(finance, "_") == []


def test_the_name_given_with_a_gift_is_found_though_the_donor_record_holds_another(
    app: Flask, finance: FlaskClient
) -> None:
    (public_id,) = gifts(app, 1)
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one()
        donation.identity = {**donation.identity, "last_name": "Dupré"}
        db.session.commit()
    assert search(finance, "dupre") == [public_id]


def test_a_donor_who_changes_name_is_found_by_the_new_one_and_the_gift_by_the_name_given(
    app: Flask, finance: FlaskClient
) -> None:
    (public_id,) = gifts(app, 1, last_name="Durand")
    with app.app_context():
        db.session.expire_all()
        donor = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one().donor
        db.session.commit()  # every attribute expired: the change below must read the others from the row
        donor.last_name = "Élysée"
        db.session.commit()
    assert search(finance, "elysee camille") == [public_id]
    assert search(finance, "durand") == [public_id]  # the name the gift was given with (its receipts print it)
    assert search(finance, "elysee durand") == []  # a name is one record's or one gift's, not a mix


def test_exact_identifiers_find_their_one_donation(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, payment_id = paid_gift(5000, email="Claire.Fontaine@Example.org")
    (company,) = gifts(
        app, 1, donor_type=DonorType.COMPANY, company_name="Fontaine SARL", siren="732829320", legal_form="SARL"
    )
    gifts(app, 4)
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment is not None
        intent = payment.stripe_payment_intent_id
        payment.donation.stripe_checkout_session_id = "cs_test_exact_1"
        db.session.commit()
    for q in (
        number,
        "claire.fontaine@example.org",
        "CLAIRE.FONTAINE@EXAMPLE.ORG" if db_is_postgres(app) else "Claire.Fontaine@Example.org",
        intent,
        "cs_test_exact_1",
        public_id,
    ):
        assert search(finance, q) == [public_id], q
    assert search(finance, "732 829 320") == search(finance, "732829320") == [company]


def db_is_postgres(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_an_exact_identifier_is_looked_up_on_its_own_index_before_any_name(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _public_id, number, _payment = paid_gift(5000)
    with statements_of(app) as seen:
        assert len(search(finance, number)) == 1
    # The page's query names the donation by id: no LIKE over names was needed.
    listing = [s for s in seen if "FROM donation" in s and "LIMIT" in s]
    assert listing and all("LIKE" not in s for s in listing)


# --- keyset pages ----------------------------------------------------------------------


def _walk(session: Any, f: DonationFilter, per_page: int) -> tuple[list[list[int]], list[list[int]]]:
    """Every page forwards by the next cursors, then backwards from the last by the previous ones."""
    forwards = [keyset_page(session, f, per_page=per_page)]
    while forwards[-1].next_cursor:
        forwards.append(keyset_page(session, f, after=forwards[-1].next_cursor, per_page=per_page))
    backwards = [forwards[-1]]
    while backwards[-1].previous_cursor:
        backwards.append(keyset_page(session, f, before=backwards[-1].previous_cursor, per_page=per_page))
    ids = lambda pages: [[d.id for d in p.donations] for p in pages]  # noqa: E731
    return ids(forwards), ids(reversed(backwards))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sort", "descending"), [("created", True), ("amount", False), ("donor", False), ("status", True)]
)
def test_keyset_pages_hold_every_donation_once_in_order_even_when_sort_values_tie(
    db: Any, sort: str, descending: bool
) -> None:
    same_time = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    for i in range(23):
        payment = settled_payment(db.session, 1000 + 500 * (i % 3))
        payment.donation.created_at = same_time  # ties everywhere: only the id tells rows apart
        payment.donation.donor.last_name = "Martin" if i % 2 else "Bernard"
    db.session.commit()
    f = DonationFilter(sort=sort, descending=descending)
    forwards, backwards = _walk(db.session, f, per_page=5)
    expected = [d.id for d in keyset_page(db.session, f, per_page=100).donations]
    assert [len(p) for p in forwards] == [5, 5, 5, 5, 3]
    assert [i for p in forwards for i in p] == expected and len(set(expected)) == 23
    assert backwards == forwards


def test_a_gift_made_while_finance_pages_through_does_not_shift_the_next_page(db: Any) -> None:
    for _ in range(12):
        settled_payment(db.session)
    db.session.commit()
    f = DonationFilter()
    first = keyset_page(db.session, f, per_page=5)
    expected_second = [d.id for d in keyset_page(db.session, f, after=first.next_cursor, per_page=5).donations]
    settled_payment(db.session)  # newest: it belongs before page 1, not on page 2
    db.session.commit()
    assert [d.id for d in keyset_page(db.session, f, after=first.next_cursor, per_page=5).donations] == expected_second


def test_the_list_pages_over_http_and_a_damaged_cursor_is_a_400_with_a_message(
    app: Flask, finance: FlaskClient
) -> None:
    made = gifts(app, 55)
    first = finance.get("/finance/donations?lang=en&sort=amount&order=asc")
    link = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert link is not None
    second = finance.get(html.unescape(link.group(1)))
    assert sorted(donation_ids(first.text) + donation_ids(second.text)) == sorted(made)
    for damaged in ("garbage", "W10", "WyJ4IiwxXQ", "WzEsLTVd"):
        answer = finance.get(f"/finance/donations?lang=en&sort=amount&after={damaged}")
        assert answer.status_code == 400, damaged
        assert "This page link is damaged or out of date" in text_of(answer.text)


def test_cursors_read_back_only_for_their_own_sort() -> None:
    with pytest.raises(BadCursor):
        decode_cursor("amount", "WyIyMDI2LTAzLTAxVDEwOjAwOjAwKzAwOjAwIiwxXQ")  # a date where an amount belongs
    assert decode_cursor("kind", "WyJtb250aGx5IiwzXQ") == (DonationKind.MONTHLY, 3)


def test_on_postgresql_the_name_search_can_be_answered_from_the_trigram_indexes(db: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's (SQLite scans the normalised column)")
    from sqlalchemy import text

    from donations.finance.lookup import named

    query = select(Donation.id).where(named("Lefèvre"))  # type: ignore[arg-type]
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_donor_search_text_trgm" in plan and "ix_donation_search_text_trgm" in plan, plan


@pytest.mark.parametrize(("sort", "descending"), [("created", True), ("amount", False), ("donor", False)])
def test_a_name_search_pages_its_two_parts_every_gift_once_and_counts_them_exactly(
    db: Any, sort: str, descending: bool
) -> None:
    expected = set()
    for i in range(11):
        payment = settled_payment(db.session, 1000 + 500 * (i % 4))
        donation = payment.donation
        if i < 4:  # the donor so named, and the gift given with that name: found once
            donation.donor.last_name = "Lefèvre"
        donation.identity = {**donation.donor.identity.to_json(), **({"last_name": "Lefèvre"} if i < 7 else {})}
        if i < 7:
            expected.add(donation.id)
    db.session.commit()
    f = DonationFilter(q="lefevre", sort=sort, descending=descending)
    forwards, backwards = _walk(db.session, f, per_page=2)
    whole = keyset_page(db.session, f, per_page=100)
    assert [len(p) for p in forwards] == [2, 2, 2, 1]
    assert [i for p in forwards for i in p] == [d.id for d in whole.donations]
    assert set(d.id for d in whole.donations) == expected and whole.total == 7
    assert backwards == forwards
