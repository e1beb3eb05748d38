"""The receipts of edition 2026-12 read back (pypdf for the text, poppler for the layout) against
TAX_RULES.md: every kind of PDF (per gift IR, IFI, company, recap, replacement, split) carries the
current form's wording, and older receipts keep drawing as they were issued."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receipts.document.cerfa import draw_receipt
from receipts.document.cerfa_2026_12 import FOOTNOTES
from receipts.document.cerfa_2027_01 import how_to_declare
from receipts.document.layout import LEFT, PAD, RIGHT
from receipts.document.snapshot import CURRENT_EDITION, FIRST_EDITION, PaymentLine, ReceiptSnapshot
from tests.support.cerfa_cases import ACME, CASES, MONTHLY, SIGNATURE, is_ticked, receipt, text_of
from tests.support.long_values import (
    ADDRESS_1,
    ADDRESS_2,
    COMMUNE,
    COMPANY_NAME,
    LEGAL_FORM,
    LIMITS,
    SURNAME,
    assert_legible,
    assert_no_overlap,
    maximal,
    mentions,
    snapshot_for,
    widest,
)
from tests.support.pdf_words import pages_of

TAX_RULES = Path(__file__).resolve().parents[3] / "shared" / "TAX_RULES.md"


def current(snapshot: ReceiptSnapshot) -> ReceiptSnapshot:
    """The same receipt issued today: the current edition, and the company form's current version."""
    version = "16216*03" if snapshot.form == "16216" else snapshot.form_version
    return dataclasses.replace(snapshot, edition=CURRENT_EDITION, form_version=version)


KINDS = {
    **{name: current(s) for name, s in CASES.items()},
    "split_ifi_part": current(
        receipt(number="2026-000060", amount_cents=6_666_667, articles=("978",), split_with="2026-000061")
    ),
    "split_ir_part": current(
        receipt(number="2026-000061", amount_cents=1_333_333, articles=("200",), split_with="2026-000060")
    ),
    "company_recap": current(
        receipt(
            number="2027-000009",
            form="16216",
            form_version="16216*03",
            donor=ACME,
            articles=("238 bis",),
            kind="annual",
            issued_on=dt.date(2027, 1, 15),
            amount_cents=18000,
            paid_on=None,
            period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            payments=MONTHLY,
        )
    ),
}
INDIVIDUAL_KINDS = [name for name, s in KINDS.items() if s.form == "11580"]
COMPANY_KINDS = [name for name, s in KINDS.items() if s.form == "16216"]

# TAX_RULES.md, "Receipt forms" and "Mandatory mentions (individual form)": the form's words, quoted.
INDIVIDUAL_TITLE = (
    "Reçu des dons et versements effectués par les particuliers au titre des articles 200 et 978 du "
    "code général des impôts"
)
COMPANY_TITLE = (
    "Reçu des dons et versements effectués par les entreprises au titre de l'article 238 bis du code général des impôts"
)
RECEIVED = (
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à réduction d'impôt la somme de"
)
CERTIFIES = (
    "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à la "
    "réduction d'impôt prévue à l'article"
)
CATEGORY = (
    "fondation reconnue d'utilité publique par décret en date du 13/09/2006 publié au Journal officiel du 15/09/2006"
)
IFI_ONLY = (
    "la réduction d'IFI ne s'applique qu'aux dons en numéraire et aux dons en pleine propriété de titres de "
    "sociétés cotées"
)
COMPANY_RECEIVED = (
    "L'organisme bénéficiaire reconnaît avoir reçu, au titre de la réduction d'impôt prévue à l'article "
    "238 bis du code général des impôts, des versements pour une valeur totale égale à"
)
COMPANY_PERIOD = "Date ou période au cours de laquelle les dons et versements ont été effectués"
QUOTED = [
    INDIVIDUAL_TITLE,
    COMPANY_TITLE,
    RECEIVED,
    CERTIFIES,
    IFI_ONLY,
    COMPANY_RECEIVED,
    COMPANY_PERIOD,
    "7UF",
    "2042-IFI",
    "2069-RCI",
    "Forme des versements",
    "néant",
]


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: text_of(draw_receipt(s, SIGNATURE)) for name, s in KINDS.items()}


def test_the_quoted_wording_is_that_of_tax_rules():
    if not TAX_RULES.exists():
        pytest.skip("../shared/TAX_RULES.md is not beside the checkout")
    rules = flat(TAX_RULES.read_text(encoding="utf-8")).lower()
    for phrase in QUOTED:
        assert phrase.lower() in rules, phrase


@pytest.mark.parametrize("name", INDIVIDUAL_KINDS)
def test_an_individuals_receipt_carries_the_2023_wording_of_cerfa_11580_05(texts, name):
    text, s = texts[name], KINDS[name]
    assert "Cerfa n° 11580*05" in text and "Formulaire n° 2041-RD" in text
    assert INDIVIDUAL_TITLE in text
    assert "238 bis" not in text and "16216" not in text  # the individuals' form has boxes for 200 and 978 only
    assert "Numéro d'ordre du reçu : " + s.number in text
    assert "X Œuvre ou organisme d'intérêt général" in text
    assert "X Association ou " + CATEGORY in text
    assert RECEIVED in text and "***" in text and "Somme en toutes lettres :" in text
    assert CERTIFIES in text
    for article in ("200", "978"):
        assert is_ticked(text, f"{article} du CGI") == (article in s.articles)
    for label in ("Acte authentique", "Acte sous seing privé", "Autres"):
        assert label in text and not is_ticked(text, label)
    assert is_ticked(text, "Déclaration de don manuel")
    assert is_ticked(text, "Numéraire") and "Titres de sociétés cotés" in text
    assert "Abandon exprès de revenus ou de produits" in text
    assert "Frais engagés par les bénévoles, dont ils renoncent expressément au remboursement" in text
    assert "En cas de don en numéraire, mode de versement du don :" in text
    assert "Remise d'espèces" in text and "Chèque" in text and is_ticked(text, "Virement, prélèvement, carte bancaire")


@pytest.mark.parametrize("name", INDIVIDUAL_KINDS)
def test_an_individuals_receipt_quotes_the_forms_footnotes(texts, name):
    text = texts[name]
    for note in FOOTNOTES["11580"]:
        assert flat(note) in text
    assert "article L. 80 C du livre des procédures fiscales" in text
    assert "l'amende prévue à l'article 1740 A du code général des impôts" in text
    assert IFI_ONLY[0].upper() + IFI_ONLY[1:] in text


@pytest.mark.parametrize("name", COMPANY_KINDS)
def test_a_companys_receipt_carries_the_wording_of_cerfa_16216_03(texts, name):
    text, s = texts[name], KINDS[name]
    assert "Cerfa n° 16216*03" in text and "Formulaire n° 2041-MEC-SD" in text and COMPANY_TITLE in text
    assert "11580" not in text and "978" not in text
    assert "Organisme bénéficiaire des dons et versements" in text and "Entreprise donatrice" in text
    assert "concourant à l'égalité entre les femmes et les hommes" in text
    # The in-kind block says "néant" for money, then the payments, their form, the total and the period.
    in_kind = text.index("des dons en nature pour une valeur en euros égale à (1) : néant")
    assert "et détail des salariés mis à disposition : néant" in text
    received = text.index(COMPANY_RECEIVED)
    forms = text.index("Forme des versements (4) :")
    total = text.index("Montant total des dons et versements reçus par l'organisme :")
    period = text.index(COMPANY_PERIOD + " (5) :")
    assert in_kind < received < forms < total < period
    assert text.count(f"***{_euros(s.amount_cents)}***") == 2
    assert is_ticked(text, "Virement, prélèvement ou carte bancaire")
    for label in ("Remise d'espèces", "Chèque", "Autre"):
        assert label in text and not is_ticked(text, label)
    for note in FOOTNOTES["16216"]:
        assert flat(note) in text


def _euros(cents: int) -> str:
    from donations.money import format_euros

    return flat(format_euros(cents))


def test_a_companys_per_gift_receipt_states_the_date_and_its_recap_the_period(texts):
    assert COMPANY_PERIOD + " (5) : 05/02/2026" in texts["company_sepa_gift"]
    assert (
        COMPANY_PERIOD + " (5) : du 01/01/2026 au 31/12/2026 (12 versements, date et montant ci-dessous)"
        in texts["company_recap"]
    )


@pytest.mark.parametrize(
    ("name", "where"),
    [
        (
            "ir_card_gift",
            "case 7UF (dons versés à d'autres organismes d'intérêt général) de la déclaration des revenus n° 2042,",
        ),
        (
            "annual_recap",
            "case 7UF (dons versés à d'autres organismes d'intérêt général) de la déclaration des revenus n° 2042,",
        ),
        (
            "split_ir_part",
            "case 7UF (dons versés à d'autres organismes d'intérêt général) de la déclaration des revenus n° 2042,",
        ),
        (
            "ifi_gift",
            "case 9NC (dons au profit de certains organismes d'intérêt général) de la déclaration n° 2042-IFI",
        ),
        (
            "split_ifi_part",
            "case 9NC (dons au profit de certains organismes d'intérêt général) de la déclaration n° 2042-IFI",
        ),
        ("company_sepa_gift", "formulaire n° 2069-RCI-SD (réduction d'impôt mécénat)"),
        ("company_recap", "formulaire n° 2069-RCI-SD (réduction d'impôt mécénat)"),
    ],
)
def test_each_receipt_says_how_to_declare_it_and_how_long_to_keep_it(texts, name, where):
    text = texts[name]
    box = flat(text[text.index("Comment déclarer ?") : text.index("Date d'émission du reçu")])  # before the signature
    assert where in box
    assert ("au moins 6 ans" if KINDS[name].form == "16216" else "au moins 3 ans") in box
    for other in (o for o in ("7UF", "9NC", "2042-IFI", "2069-RCI", "2042-RICI") if o not in where):
        assert other not in box, other


def test_an_income_tax_receipt_names_the_year_of_income_it_counts_for(texts):
    assert "avec les revenus de l'année 2026" in texts["ir_card_gift"]
    assert "avec les revenus de l'année 2026" in texts["annual_recap"]  # issued in 2027, for 2026


def test_the_two_receipts_of_a_split_gift_each_name_the_other(texts):
    assert "l'autre part fait l'objet du reçu n° 2026-000061 (article 200" in texts["split_ifi_part"]
    assert "l'autre part fait l'objet du reçu n° 2026-000060 (article 978" in texts["split_ir_part"]
    assert is_ticked(texts["split_ifi_part"], "978 du CGI") and not is_ticked(texts["split_ifi_part"], "200 du CGI")


def test_a_replacement_says_which_receipt_it_replaces(texts):
    assert "Ce reçu annule et remplace le reçu n° 2026-000042" in texts["replacement"]


def test_a_recap_lists_its_payments_and_says_versements_in_the_plural(texts):
    text = texts["annual_recap"]
    assert "Reçu annuel récapitulatif des versements de l'année 2026" in text
    assert "Période : du 01/01/2026 au 31/12/2026 (12 versements, date et montant ci-dessous)" in text
    assert "***180,00 €*** Somme en toutes lettres : cent quatre-vingts euros" in text


def test_a_recap_of_one_payment_says_1_versement_with_its_amount_in_figures_and_words():
    one = current(
        receipt(
            number="2027-000008",
            kind="annual",
            issued_on=dt.date(2027, 1, 15),
            amount_cents=1500,
            paid_on=None,
            period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            payments=(PaymentLine(dt.date(2026, 11, 5), 1500),),
        )
    )
    text = text_of(draw_receipt(one, SIGNATURE))
    assert "(1 versement, date et montant ci-dessous)" in text and "1 versements" not in text
    assert "***15,00 €*** Somme en toutes lettres : quinze euros" in text
    assert "05/11/2026 15,00 €" in text


def test_a_receipt_stored_before_editions_reads_back_as_the_first_and_stores_the_same_json():
    stored = CASES["ir_card_gift"].to_json()
    assert "edition" not in stored
    snapshot = ReceiptSnapshot.from_json(stored)
    assert snapshot.edition == FIRST_EDITION and snapshot.to_json() == stored
    # It is drawn as it was issued: the old title, not the current one.
    assert "Reçu au titre des dons à certains organismes d'intérêt général" in text_of(
        draw_receipt(snapshot, SIGNATURE)
    )


def test_a_current_receipt_stores_its_edition_and_draws_with_it():
    stored = KINDS["ir_card_gift"].to_json()
    assert stored["edition"] == CURRENT_EDITION
    again = ReceiptSnapshot.from_json(stored)
    assert again == KINDS["ir_card_gift"]
    assert draw_receipt(again, SIGNATURE) == draw_receipt(KINDS["ir_card_gift"], SIGNATURE)


def test_an_unknown_edition_is_refused():
    with pytest.raises(ValueError, match="edition"):
        dataclasses.replace(KINDS["ir_card_gift"], edition="2031-01")
    with pytest.raises(ValueError, match="edition"):
        ReceiptSnapshot.from_json({**KINDS["ir_card_gift"].to_json(), "edition": None})


def test_a_companys_receipt_never_covers_a_period_straddling_two_years():
    # The company closes on 31/12 (the default): 1 July to 30 June straddles its year end.
    lines = (PaymentLine(dt.date(2026, 12, 5), 1500), PaymentLine(dt.date(2027, 1, 5), 1500))
    with pytest.raises(ValueError, match="within one of its financial years"):
        dataclasses.replace(
            KINDS["company_recap"],
            period=(dt.date(2026, 7, 1), dt.date(2027, 6, 30)),
            payments=lines,
            amount_cents=3000,
        )
    # Part of one year is fine (a period within one financial year).
    dataclasses.replace(
        KINDS["company_recap"],
        period=(dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        payments=(lines[0],),
        amount_cents=1500,
    )


# -- layout of the current edition: one page, nothing overlapping, the "Comment déclarer ?" box included --


def current_for(donor, payments: int = 0) -> ReceiptSnapshot:  # type: ignore[no-untyped-def]
    return current(snapshot_for(donor, payments))


def assert_legible_with_its_mark(pdf: bytes, donor, specimen: bool) -> None:  # type: ignore[no-untyped-def]
    """`assert_legible`; on a SPECIMEN, whose diagonal mark crosses the donor's box on purpose, the page-wide
    checks only (one page, every word inside it, none on another but the mark)."""
    if not specimen:
        assert_legible(pdf, donor)
        return
    [page] = pages_of(pdf)
    words = [w for w in page.words if w.y1 - w.y0 < 40]
    for word in words:
        assert word.x0 >= LEFT - 0.5 and word.x1 <= RIGHT + 0.5 and word.y0 >= 0 and word.y1 <= page.height, word
    assert_no_overlap(words)


def assert_how_to_declare_fits(pdf: bytes, snapshot: ReceiptSnapshot) -> None:
    """The box's words lie in its column, between its title and the verification line under the closing row,
    and read back whole (the page-wide overlap check of `assert_legible` covers them too)."""
    [page] = pages_of(pdf)
    title = next(w for w in page.words if w.text == "Comment")
    signature = next(w for w in page.words if w.text == "Signature" and abs(w.y0 - title.y0) < 1)
    foot = next(w for w in page.words if w.text == "Vérifier" and w.y0 > title.y1)
    box = [w for w in page.words if title.y1 <= w.y0 and w.y1 <= foot.y0 and title.x0 - PAD <= w.x0]
    inside = [w for w in box if w.x1 <= signature.x0 - PAD]
    assert inside and len(inside) == len([w for w in box if w.x0 < signature.x0 - PAD])
    words = " ".join(w.text for w in inside)
    assert words == " ".join(" ".join(how_to_declare(snapshot)).split())


@pytest.mark.parametrize("specimen", [False, True], ids=["live", "specimen"])
@pytest.mark.parametrize("company", [False, True], ids=["individual", "company"])
@pytest.mark.parametrize("payments", [0, 12, 100], ids=["per-gift", "monthly-recap", "longest-recap"])
def test_the_longest_accepted_values_fit_the_current_edition_on_one_page(company, payments, specimen):
    values = {name: widest(limit) for name, limit in LIMITS.items()}
    drop = ("first_name", "last_name") if company else ("company_name", "legal_form")
    donor = mentions(company, **{k: v for k, v in values.items() if k not in drop})
    snapshot = dataclasses.replace(current_for(donor, payments), specimen=specimen)
    pdf = draw_receipt(snapshot, SIGNATURE)
    assert_legible_with_its_mark(pdf, donor, specimen)
    assert_how_to_declare_fits(pdf, snapshot)


@pytest.mark.parametrize("payments", [0, 12], ids=["per-gift", "monthly-recap"])
def test_real_long_french_names_print_whole_on_the_current_edition(payments):
    donor = mentions(
        last_name=SURNAME,
        first_name="Marie-Bernadette Jeanne-Geneviève",
        address_line1=ADDRESS_1,
        address_line2=ADDRESS_2,
        city=COMMUNE,
    )
    snapshot = current_for(donor, payments)
    pdf = draw_receipt(snapshot, SIGNATURE)
    assert_legible(pdf, donor)
    assert_how_to_declare_fits(pdf, snapshot)
    company = mentions(
        True,
        company_name=COMPANY_NAME,
        legal_form=LEGAL_FORM,
        address_line1=ADDRESS_1,
        address_line2=ADDRESS_2,
        city=COMMUNE,
    )
    snapshot = current_for(company, payments)
    pdf = draw_receipt(snapshot, SIGNATURE)
    assert_legible(pdf, company)
    assert_how_to_declare_fits(pdf, snapshot)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    company=st.booleans(),
    payments=st.sampled_from([0, 12, 100]),
    specimen=st.booleans(),
    values=st.fixed_dictionaries({name: maximal(limit) for name, limit in LIMITS.items()}),
)
def test_any_accepted_values_print_legibly_on_the_current_edition(company, payments, specimen, values):
    names = ("first_name", "last_name") if company else ("company_name", "legal_form")
    donor = mentions(company, **{k: v for k, v in values.items() if k not in names})
    snapshot = dataclasses.replace(current_for(donor, payments), specimen=specimen)
    pdf = draw_receipt(snapshot, SIGNATURE)
    assert_legible_with_its_mark(pdf, donor, specimen)
    assert_how_to_declare_fits(pdf, snapshot)


def test_the_split_and_specimen_marks_fit_with_the_longest_values():
    donor = mentions(
        last_name=widest(100),
        first_name=widest(100),
        address_line1=widest(200),
        address_line2=widest(200),
        city=widest(100),
    )
    for specimen in (False, True):
        snapshot = dataclasses.replace(
            current_for(donor), articles=("978",), split_with="2026-000099", specimen=specimen
        )
        pdf = draw_receipt(snapshot, SIGNATURE)
        assert_legible_with_its_mark(pdf, donor, specimen)
        assert_how_to_declare_fits(pdf, snapshot)
        assert ("SPECIMEN" in text_of(pdf)) == specimen
