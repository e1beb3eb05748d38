"""The longest values the forms accept print legibly on the one-page receipt.

Read back with poppler (`pdftotext -bbox`): one page, every word inside the
page's margins and inside the donor's box, no two words on top of each other,
and every letter the donor typed found again (nothing cut, nothing blank).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receipts.document.cerfa import draw_receipt
from receipts.document.printable import fits_receipt, unprintable_characters
from receipts.document.snapshot import EDITIONS, ReceiptSnapshot
from tests.support.cerfa_cases import CASES, SIGNATURE
from tests.support.long_values import (
    ADDRESS_1,
    ADDRESS_2,
    COMMUNE,
    COMPANY_NAME,
    LEGAL_FORM,
    LIMITS,
    SURNAME,
    assert_legible,
    assert_whole_in_field,
    donor_box,
    maximal,
    mentions,
    snapshot_for,
    widest,
    widest_words,
)


def test_the_real_long_values_are_as_long_as_the_forms_accept():
    assert len(SURNAME) == 62 and len(ADDRESS_1) == len(ADDRESS_2) == 200
    assert len(COMPANY_NAME) == 200 and len(LEGAL_FORM) <= 100


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("fill", [widest, widest_words], ids=["one-word", "many-words"])
@pytest.mark.parametrize("company", [False, True], ids=["individual", "company"])
@pytest.mark.parametrize("payments", [0, 12, 100], ids=["per-gift", "monthly-recap", "longest-recap"])
def test_the_longest_accepted_values_print_inside_the_donor_box_on_one_page(fill, company, payments, edition):
    values = {name: fill(limit) for name, limit in LIMITS.items()}
    if not company:
        values = {k: v for k, v in values.items() if k not in ("company_name", "legal_form")}
    else:
        values = {k: v for k, v in values.items() if k not in ("first_name", "last_name")}
    donor = mentions(company, **values)
    assert all(fits_receipt(v, LIMITS[k]) for k, v in values.items())
    page = assert_legible(draw_receipt(snapshot_for(donor, payments, edition), SIGNATURE), donor)
    # Each value inside its own field, whatever the edition's layout around the box.
    assert_whole_in_field(page, donor, "Commune", values["city"])
    assert_whole_in_field(
        page, donor, "Dénomination" if company else "Nom", values["company_name" if company else "last_name"]
    )
    assert_whole_in_field(page, donor, "Adresse", f"{values['address_line1']},{values['address_line2']}")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("payments", [0, 12], ids=["per-gift", "monthly-recap"])
def test_real_long_french_names_and_addresses_print_whole(payments, edition):
    donor = mentions(
        last_name=SURNAME,
        first_name="Marie-Bernadette Jeanne-Geneviève",
        address_line1=ADDRESS_1,
        address_line2=ADDRESS_2,
        city=COMMUNE,
    )
    page = assert_legible(draw_receipt(snapshot_for(donor, payments, edition), SIGNATURE), donor)
    words = [w.text for w in donor_box(page, donor)]
    # Not cut: a name that fits the width of the box prints on one line, as one word, inside its field.
    assert COMMUNE in words and SURNAME in words
    assert_whole_in_field(page, donor, "Commune", COMMUNE)
    assert_whole_in_field(page, donor, "Nom", SURNAME)
    assert_whole_in_field(page, donor, "Prénoms", "Marie-Bernadette Jeanne-Geneviève")
    assert_whole_in_field(page, donor, "Adresse", f"{ADDRESS_1},{ADDRESS_2}")


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("company", [False, True], ids=["individual", "company"])
@pytest.mark.parametrize("payments", [0, 12], ids=["per-gift", "monthly-recap"])
def test_sainte_genevieve_des_bois_prints_whole_in_its_field(company, payments, edition):
    donor = mentions(company, city="Sainte-Geneviève-des-Bois", postal_code="91700")
    page = assert_legible(draw_receipt(snapshot_for(donor, payments, edition), SIGNATURE), donor)
    assert "Sainte-Geneviève-des-Bois" in [w.text for w in donor_box(page, donor)]
    assert_whole_in_field(page, donor, "Commune", "Sainte-Geneviève-des-Bois")


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_longest_company_name_and_legal_form_print_whole(edition):
    donor = mentions(
        True,
        company_name=COMPANY_NAME,
        legal_form=LEGAL_FORM,
        address_line1=ADDRESS_1,
        address_line2=ADDRESS_2,
        city=COMMUNE,
    )
    page = assert_legible(draw_receipt(snapshot_for(donor, 12, edition), SIGNATURE), donor)
    assert_whole_in_field(page, donor, "Dénomination", COMPANY_NAME)
    assert_whole_in_field(page, donor, "Forme", LEGAL_FORM)
    assert_whole_in_field(page, donor, "Commune", COMMUNE)


def test_a_receipt_of_long_values_is_drawn_to_the_same_bytes_each_time():
    donor = mentions(
        last_name=widest(100),
        first_name=widest_words(100),
        address_line1=ADDRESS_1,
        address_line2=widest(200),
        city=COMMUNE,
    )
    snapshot = snapshot_for(donor, 100)
    assert draw_receipt(snapshot, SIGNATURE) == draw_receipt(ReceiptSnapshot.from_json(snapshot.to_json()), SIGNATURE)


# The receipts of CASES as they were drawn before long values were wrapped: a receipt whose mentions
# always fitted must keep its bytes, or a lost file could no longer be redrawn to its recorded hash.
DRAWN_BEFORE = {
    "ir_card_gift": "f6794fada985a944ba5c9a30dad2f1922f8ab147a99abba7e4547cd050b4c778",
    "ifi_gift": "67e7fd23e56db68866816eeffb75cba761ca0c1a50f78cb97c814fbcc84d5535",
    "company_sepa_gift": "06c935b69c05c1556d3ace8f8e391ff63591a753abb17a9ef245126493eb0c94",
    "annual_recap": "e91a3a5d1e15d87398053ce4443467c11b368fc057dab15fc65f081af55f43a5",
    "replacement": "5ab937cd3160375601734dc9e7200084c769ce820834dbebfaa65cf847095e57",
}


@pytest.mark.parametrize("name", DRAWN_BEFORE)
def test_a_receipt_whose_mentions_always_fitted_keeps_its_bytes(name):
    assert hashlib.sha256(draw_receipt(CASES[name], SIGNATURE)).hexdigest() == DRAWN_BEFORE[name]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    company=st.booleans(),
    payments=st.sampled_from([0, 12, 100]),
    edition=st.sampled_from(EDITIONS),
    values=st.fixed_dictionaries({name: maximal(limit) for name, limit in LIMITS.items()}),
)
def test_any_accepted_values_print_legibly_on_one_page(company, payments, edition, values):
    names = ("first_name", "last_name") if company else ("company_name", "legal_form")
    donor = mentions(company, **{k: v for k, v in values.items() if k not in names})
    assert all(not unprintable_characters(v) for v in values.values())
    page = assert_legible(draw_receipt(snapshot_for(donor, payments, edition), SIGNATURE), donor)
    assert_whole_in_field(page, donor, "Commune", values["city"])
