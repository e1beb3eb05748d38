"""The longest values the forms accept, and the checks that a receipt prints them whole and legible."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from hypothesis import strategies as st

from receipts.document.layout import LEFT, RIGHT
from receipts.document.printable import fits_receipt
from receipts.document.snapshot import FIRST_EDITION, DonorMentions, PaymentLine, ReceiptSnapshot
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


def snapshot_for(donor: DonorMentions, payments: int = 0, edition: str = FIRST_EDITION) -> ReceiptSnapshot:
    """A per-gift receipt, or an annual recap listing `payments` payments, for `donor` (no SPECIMEN mark),
    drawn with `edition`."""
    form = (
        {"form": "16216", "form_version": "16216*01", "articles": ("238 bis",)} if donor.donor_type == "company" else {}
    )
    if not payments:
        return receipt(donor=donor, replaces="2026-000001", edition=edition, **form)
    lines = tuple(PaymentLine(dt.date(2026, 1, 1) + dt.timedelta(days=3 * k), 100_000 + k) for k in range(payments))
    return receipt(
        donor=donor,
        kind="annual",
        paid_on=None,
        period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        payments=lines,
        amount_cents=sum(p.amount_cents for p in lines),
        replaces="2026-000001",
        edition=edition,
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


# The first word of each label of the donor's box ("Code postal :", "N° SIREN :", ...).
LABEL_STARTS = ("Nom", "Prénoms", "Adresse", "Code", "Commune", "Pays", "Dénomination", "Forme", "N°")


def _same_line(a: Word, b: Word) -> bool:
    return abs(a.y0 - b.y0) < 0.5


def _labels(box: list[Word]) -> list[tuple[Word, Word]]:
    """(first word, colon) of each label of the box: a label word followed on its line by ":" within four words."""
    found = []
    for word in box:
        if word.text in LABEL_STARTS:
            line = sorted((w for w in box if _same_line(w, word) and w.x0 > word.x0), key=lambda w: w.x0)
            colon = next((w for w in line[:4] if w.text == ":"), None)
            if colon is not None:
                found.append((word, colon))
    return found


def field_words(page: Page, donor: DonorMentions, label: str) -> list[Word]:
    """The words of the field of `label` (its first word) in the donor's box, as the layout sets fields side
    by side: right of its colon and left of the next label of its row, from its row down to the next row."""
    box = donor_box(page, donor)
    labels = _labels(box)
    start, colon = next(pair for pair in labels if pair[0].text == label)
    row_left = min(first.x0 for first, _ in labels)
    below = [first.y0 for first, _ in labels if first.y0 > start.y1 - 0.5 and abs(first.x0 - row_left) < 0.5]
    bottom = min(below, default=page.height)
    right = min((first.x0 for first, _ in labels if _same_line(first, start) and first.x0 > start.x0), default=RIGHT)
    return [
        word
        for word in box
        if start.y0 - 0.5 <= word.y0 < bottom - 0.5
        and colon.x1 - 0.1 <= word.x0
        and word.x1 <= right + 0.1
        and not _is_label_word(word, labels)
    ]


def _is_label_word(word: Word, labels: list[tuple[Word, Word]]) -> bool:
    """Whether `word` is part of a label (between a label's first word and its colon, on its line)."""
    return any(_same_line(word, first) and first.x0 <= word.x0 and word.x1 <= colon.x1 for first, colon in labels)


def assert_whole_in_field(page: Page, donor: DonorMentions, label: str, value: str) -> None:
    """Every letter of `value`, in order, and nothing else, is found inside the field of `label`."""
    words = sorted(field_words(page, donor, label), key=lambda w: (round(w.y0), w.x0))
    assert "".join(w.text for w in words) == value.replace(" ", ""), (label, [w.text for w in words])


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
