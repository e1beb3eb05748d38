"""The longest values the forms accept, and the checks that a receipt prints them whole and legible."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from hypothesis import strategies as st

from receipts.document.layout import LEFT, RIGHT
from receipts.document.printable import fits_receipt
from receipts.document.snapshot import DonorMentions, PaymentLine, ReceiptSnapshot
from tests.support.cerfa_cases import ACME, MARIE, receipt
from tests.support.pdf_words import Page, Word, between, pages_of

# The form's limits (donations/giving/forms.py): characters, and no wider than as many "W".
LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "company_name": 200,
    "legal_form": 100,
}


COMMUNE = "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson"


SURNAME = "Montmorency-Laval-de-La-Rochefoucauld-Saint-Aignan-Beauvillier"  # 62 characters


ADDRESS_1 = (
    "Résidence du Parc de la Cathédrale Notre-Dame-de-l'Assomption, bâtiment Les Hortensias, escalier C, "
    "quatrième étage, porte au fond du couloir à gauche après l'ascenseur de service, boîte aux lettres A"
)


ADDRESS_2 = (
    "Lieu-dit La Grande-Borne-sous-les-Vignes, chemin vicinal numéro 7 prolongé, hameau des Trois-Fontaines, "
    "après le lavoir communal et la chapelle Saint-Barthélemy-et-Saint-Jean-Baptiste, BP 4217 CS 3001"
)


COMPANY_NAME = (
    "Compagnie Générale d'Études, de Recherches et d'Applications Industrielles pour la Santé Neurologique "
    "et les Maladies Rares du Mouvement de l'Enfant et de l'Adulte en Région Auvergne-Rhône-Alpes CGERA"
)


LEGAL_FORM = "Société par actions simplifiée unipersonnelle à capital variable et à conseil de surveillance"


def mentions(company: bool = False, **values: str) -> DonorMentions:
    base = ACME if company else MARIE
    return dataclasses.replace(base, **values)


def snapshot_for(donor: DonorMentions, payments: int = 0) -> ReceiptSnapshot:
    """A per-gift receipt, or an annual recap listing `payments` payments, for `donor` (no SPECIMEN mark)."""
    form = (
        {"form": "16216", "form_version": "16216*01", "articles": ("238 bis",)} if donor.donor_type == "company" else {}
    )
    if not payments:
        return receipt(donor=donor, replaces="2026-000001", **form)
    lines = tuple(PaymentLine(dt.date(2026, 1, 1) + dt.timedelta(days=3 * k), 100_000 + k) for k in range(payments))
    return receipt(
        donor=donor,
        kind="annual",
        paid_on=None,
        period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        payments=lines,
        amount_cents=sum(p.amount_cents for p in lines),
        replaces="2026-000001",
        **form,
    )


def printed_values(donor: DonorMentions) -> list[str]:
    names = ("company_name", "legal_form", "siren") if donor.donor_type == "company" else ("last_name", "first_name")
    return [
        getattr(donor, n) for n in (*names, "address_line1", "address_line2", "postal_code", "city", "country_name")
    ]


def assert_no_overlap(words: list[Word]) -> None:
    ordered = sorted(words, key=lambda w: w.y0)
    for i, word in enumerate(ordered):
        for other in ordered[i + 1 :]:
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
        assert word.x0 >= LEFT - 0.5 and word.x1 <= RIGHT + 0.5, word
        assert word.y0 >= 0 and word.y1 <= page.height, word
    assert_no_overlap(words)
    box = donor_box(page, donor)
    assert box, "the donor's box is empty"
    for word in box:
        assert word.y1 - word.y0 >= 4.99, f"{word} is set smaller than 5 points"  # poppler: box height = type size
    labels = (
        ["Dénomination ou raison sociale :", "Forme juridique :", "N° SIREN :"]
        if donor.donor_type == "company"
        else ["Nom :", "Prénoms :"]
    ) + ["Adresse :", ",", "Code postal :", "Commune :", "Pays :"]
    expected = Counter("".join(labels + printed_values(donor)).replace(" ", ""))
    if not donor.address_line2:
        expected -= Counter(",")
    assert Counter("".join(w.text for w in box)) == expected, "some of the donor's letters are missing or cut"
    return page


def widest(n: int) -> str:
    return "W" * n


def widest_words(n: int) -> str:
    return ("W " * n)[:n].strip().ljust(n, "W")


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
