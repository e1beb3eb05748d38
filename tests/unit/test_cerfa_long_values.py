"""The longest values the forms accept print legibly on the one-page receipt.

Read back with poppler (`pdftotext -bbox`): one page, every word inside the
page's margins and inside the donor's box, no two words on top of each other,
and every letter the donor typed found again (nothing cut, nothing blank).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receipts.document.cerfa import draw_receipt
from receipts.document.layout import LEFT, RIGHT
from receipts.document.printable import fits_receipt, unprintable_characters
from receipts.document.snapshot import DonorMentions, PaymentLine, ReceiptSnapshot
from tests.unit.pdf_words import Page, Word, between, pages_of
from tests.unit.test_cerfa import ACME, CASES, MARIE, SIGNATURE, receipt

# The form's limits (donations/giving/forms.py): characters, and no wider than as many "W".
LIMITS = {"first_name": 100, "last_name": 100, "address_line1": 200, "address_line2": 200, "postal_code": 20, "city": 100,
          "company_name": 200, "legal_form": 100}
COMMUNE = "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson"
SURNAME = "Montmorency-Laval-de-La-Rochefoucauld-Saint-Aignan-Beauvillier"  # 62 characters
ADDRESS_1 = ("Résidence du Parc de la Cathédrale Notre-Dame-de-l'Assomption, bâtiment Les Hortensias, escalier C, "
             "quatrième étage, porte au fond du couloir à gauche après l'ascenseur de service, boîte aux lettres A")
ADDRESS_2 = ("Lieu-dit La Grande-Borne-sous-les-Vignes, chemin vicinal numéro 7 prolongé, hameau des Trois-Fontaines, "
             "après le lavoir communal et la chapelle Saint-Barthélemy-et-Saint-Jean-Baptiste, BP 4217 CS 3001")
COMPANY_NAME = ("Compagnie Générale d'Études, de Recherches et d'Applications Industrielles pour la Santé Neurologique "
                "et les Maladies Rares du Mouvement de l'Enfant et de l'Adulte en Région Auvergne-Rhône-Alpes CGERA")
LEGAL_FORM = "Société par actions simplifiée unipersonnelle à capital variable et à conseil de surveillance"


def test_the_real_long_values_are_as_long_as_the_forms_accept():
    assert len(SURNAME) == 62 and len(ADDRESS_1) == len(ADDRESS_2) == 200
    assert len(COMPANY_NAME) == 200 and len(LEGAL_FORM) <= 100


def mentions(company: bool = False, **values: str) -> DonorMentions:
    base = ACME if company else MARIE
    return dataclasses.replace(base, **values)


def snapshot_for(donor: DonorMentions, payments: int = 0) -> ReceiptSnapshot:
    """A per-gift receipt, or an annual recap listing `payments` payments, for `donor` (no SPECIMEN mark)."""
    form = {"form": "16216", "form_version": "16216*01", "articles": ("238 bis",)} if donor.donor_type == "company" else {}
    if not payments:
        return receipt(donor=donor, replaces="2026-000001", **form)
    lines = tuple(PaymentLine(dt.date(2026, 1, 1) + dt.timedelta(days=3 * k), 100_000 + k) for k in range(payments))
    return receipt(donor=donor, kind="annual", paid_on=None, period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                   payments=lines, amount_cents=sum(p.amount_cents for p in lines), replaces="2026-000001", **form)


def printed_values(donor: DonorMentions) -> list[str]:
    names = ("company_name", "legal_form", "siren") if donor.donor_type == "company" else ("last_name", "first_name")
    return [getattr(donor, n) for n in (*names, "address_line1", "address_line2", "postal_code", "city", "country_name")]


def assert_no_overlap(words: list[Word]) -> None:
    ordered = sorted(words, key=lambda w: w.y0)
    for i, word in enumerate(ordered):
        for other in ordered[i + 1:]:
            if other.y0 >= word.y1:
                break
            assert not word.overlaps(other), (word, other)


def donor_box(page: Page, donor: DonorMentions) -> list[Word]:
    return between(page, "Donateur" if donor.donor_type == "individual" else "Entreprise", "Dons")


def assert_legible(pdf: bytes, donor: DonorMentions) -> Page:
    """One page; every word inside the margins; none overlapping; the donor's box holds exactly its labels and values."""
    pages = pages_of(pdf)
    assert len(pages) == 1
    [page] = pages
    # A test-mode receipt's diagonal SPECIMEN (118 points) is drawn over the page on purpose.
    words = [w for w in page.words if w.y1 - w.y0 < 40]
    for word in words:
        assert LEFT - 0.5 <= word.x0 and word.x1 <= RIGHT + 0.5, word
        assert 0 <= word.y0 and word.y1 <= page.height, word
    assert_no_overlap(words)
    box = donor_box(page, donor)
    assert box, "the donor's box is empty"
    for word in box:
        assert word.y1 - word.y0 >= 4.99, f"{word} is set smaller than 5 points"  # poppler: box height = type size
    labels = (["Dénomination ou raison sociale :", "Forme juridique :", "N° SIREN :"] if donor.donor_type == "company"
              else ["Nom :", "Prénoms :"]) + ["Adresse :", ",", "Code postal :", "Commune :", "Pays :"]
    expected = Counter("".join(labels + printed_values(donor)).replace(" ", ""))
    if not donor.address_line2:
        expected -= Counter(",")
    assert Counter("".join(w.text for w in box)) == expected, "some of the donor's letters are missing or cut"
    return page


def widest(n: int) -> str:
    return "W" * n


def widest_words(n: int) -> str:
    return ("W " * n)[:n].strip().ljust(n, "W")


@pytest.mark.parametrize("fill", [widest, widest_words], ids=["one-word", "many-words"])
@pytest.mark.parametrize("company", [False, True], ids=["individual", "company"])
@pytest.mark.parametrize("payments", [0, 12, 100], ids=["per-gift", "monthly-recap", "longest-recap"])
def test_the_longest_accepted_values_print_inside_the_donor_box_on_one_page(fill, company, payments):
    values = {name: fill(limit) for name, limit in LIMITS.items()}
    if not company:
        values = {k: v for k, v in values.items() if k not in ("company_name", "legal_form")}
    else:
        values = {k: v for k, v in values.items() if k not in ("first_name", "last_name")}
    donor = mentions(company, **values)
    assert all(fits_receipt(v, LIMITS[k]) for k, v in values.items())
    assert_legible(draw_receipt(snapshot_for(donor, payments), SIGNATURE), donor)


@pytest.mark.parametrize("payments", [0, 12], ids=["per-gift", "monthly-recap"])
def test_real_long_french_names_and_addresses_print_whole(payments):
    donor = mentions(last_name=SURNAME, first_name="Marie-Bernadette Jeanne-Geneviève", address_line1=ADDRESS_1,
                     address_line2=ADDRESS_2, city=COMMUNE)
    page = assert_legible(draw_receipt(snapshot_for(donor, payments), SIGNATURE), donor)
    words = [w.text for w in donor_box(page, donor)]
    # Not cut: a name that fits the width of the box prints on one line, as one word.
    assert COMMUNE in words and SURNAME in words
    other = mentions(city="Sainte-Geneviève-des-Bois", postal_code="91700")
    page = assert_legible(draw_receipt(snapshot_for(other), SIGNATURE), other)
    assert "Sainte-Geneviève-des-Bois" in [w.text for w in donor_box(page, other)]


def test_the_longest_company_name_and_legal_form_print_whole():
    donor = mentions(True, company_name=COMPANY_NAME, legal_form=LEGAL_FORM, address_line1=ADDRESS_1, address_line2=ADDRESS_2,
                     city=COMMUNE)
    assert_legible(draw_receipt(snapshot_for(donor, 12), SIGNATURE), donor)


def test_a_receipt_of_long_values_is_drawn_to_the_same_bytes_each_time():
    donor = mentions(last_name=widest(100), first_name=widest_words(100), address_line1=ADDRESS_1, address_line2=widest(200),
                     city=COMMUNE)
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


# Random maximal values: words of letters the font prints (wide, narrow, accented), hyphens and
# apostrophes, as long as the form's limit allows, then cut to its width budget.
LETTERS = "WMmwéÉèçÇœŒßàÂîÏôÙûÿŁłŠžĐđ" + "ilj1ft" + "ĲǱΩЖЩ"
word = st.text(alphabet=LETTERS + "-'", min_size=1, max_size=70)


def maximal(limit: int):  # type: ignore[no-untyped-def]
    def cut(words: list[str]) -> str:
        text = " ".join(words)[:limit].strip() or "W"
        while not fits_receipt(text, limit):
            text = text[:-1].rstrip()
        return text

    return st.lists(word, min_size=1, max_size=60).map(cut)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    company=st.booleans(),
    payments=st.sampled_from([0, 12, 100]),
    values=st.fixed_dictionaries({name: maximal(limit) for name, limit in LIMITS.items()}),
)
def test_any_accepted_values_print_legibly_on_one_page(company, payments, values):
    names = ("first_name", "last_name") if company else ("company_name", "legal_form")
    donor = mentions(company, **{k: v for k, v in values.items() if k not in names})
    assert all(not unprintable_characters(v) for v in values.values())
    assert_legible(draw_receipt(snapshot_for(donor, payments), SIGNATURE), donor)
