"""The Cerfa receipt PDF, read back with pypdf: every mandatory mention, one page,
fonts embedded, the same bytes for the same snapshot; and the snapshot itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

import pytest

from receipts.document.cerfa import LayoutError, draw_receipt
from receipts.document.snapshot import PaymentLine, ReceiptSnapshot
from tests.support.cerfa_cases import (
    ACME,
    CASES,
    FOUNDATION,
    MARIE,
    MONTHLY,
    ROOT,
    SIGNATURE,
    UNSIGNED,
    is_ticked,
    read,
    receipt,
    text_of,
)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: text_of(draw_receipt(snapshot, SIGNATURE)) for name, snapshot in CASES.items()}


@pytest.mark.parametrize("name", CASES)
def test_every_receipt_names_the_foundation_and_its_public_utility_status(texts, name):
    text = texts[name]
    assert f"Numéro d'ordre du reçu : {CASES[name].number}" in text
    for mention in (
        "Bénéficiaire des versements",
        "Nom ou dénomination : Fondation pour la Recherche sur la Dystonie",
        "N° SIREN : 123456789",
        "N° RNA : W751234567",
        "Adresse : 12 rue de l'Exemple, 75013 Paris, France",
        "Objet : Soutenir la recherche médicale sur la dystonie et informer les patients",
        "Fondation reconnue d'utilité publique par décret en date du 13/09/2006 "
        "publié au Journal officiel du 15/09/2006",
        "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à réduction "
        "d'impôt la somme de :",
        "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à "
        "la réduction d'impôt prévue à l'article :",
        "Signataire : Claire Martin",
        "Qualité : Présidente",
        "Signature",
        "Article 1740 A du code général des impôts",
        "amende égale au taux de cette réduction appliqué aux sommes indûment mentionnées",
        f"Vérifier ce reçu : {CASES[name].verification_url}",
    ):
        assert mention in text, mention
    assert is_ticked(text, "Déclaration de don manuel")
    assert not any(is_ticked(text, box) for box in ("Acte authentique", "Acte sous seing privé", "Autres"))
    assert is_ticked(text, "Numéraire") and not is_ticked(text, "Titres de sociétés cotés")
    assert is_ticked(text, "Virement, prélèvement, carte bancaire")
    assert not is_ticked(text, "Remise d'espèces") and not is_ticked(text, "Chèque")
    assert "SPECIMEN" not in text and "sans valeur fiscale" not in text


def test_income_tax_gift_receipt_prints_the_donor_amount_date_and_box_200(texts):
    text = texts["ir_card_gift"]
    assert "Cerfa n° 11580*05" in text
    assert "Reçu au titre des dons à certains organismes d'intérêt général" in text
    assert "Articles 200, 238 bis et 978 du code général des impôts" in text
    assert "Nom : Lefèvre" in text and "Prénoms : Marie-Hélène" in text
    assert "Adresse : 3 place de l'Église, Bâtiment B" in text
    assert "Code postal : 69002" in text and "Commune : Lyon" in text and "Pays : France" in text
    assert "***150,00 €***" in text
    assert "Somme en toutes lettres : cent cinquante euros" in text
    assert "Date du versement ou du don : 12/03/2026" in text
    assert "Date d'émission du reçu : 12/03/2026" in text
    assert is_ticked(text, "200")
    assert not is_ticked(text, "978") and not is_ticked(text, "238 bis")
    assert "annule et remplace" not in text


def test_ifi_gift_receipt_ticks_box_978_only(texts):
    text = texts["ifi_gift"]
    assert "***80 000,00 €***" in text
    assert "Somme en toutes lettres : quatre-vingt mille euros" in text
    assert is_ticked(text, "978")
    assert not is_ticked(text, "200") and not is_ticked(text, "238 bis")


def test_company_receipt_is_form_16216_with_company_details(texts):
    text = texts["company_sepa_gift"]
    assert "Cerfa n° 16216*01" in text and "11580" not in text
    assert (
        "Reçu des dons et versements effectués par les entreprises au titre de l'article 238 bis "
        "du code général des impôts"
    ) in text
    assert "Dénomination ou raison sociale : Ateliers Œuvre & Cie" in text
    assert "Forme juridique : SAS" in text and "N° SIREN : 552100554" in text
    assert "Adresse : 8 avenue des Forges" in text and "Code postal : 59000" in text and "Commune : Lille" in text
    assert "***10 000,00 €***" in text and "Somme en toutes lettres : dix mille euros" in text
    assert "Date ou période : 05/02/2026" in text
    assert is_ticked(text, "238 bis")
    # The individual form's boxes are not on the company form at all.
    boxes = text.split("prévue à l'article :")[1].split("Forme du don")[0]
    assert boxes.strip() == "Article : X 238 bis"


def test_annual_recap_states_the_period_and_lists_every_payment(texts):
    text = texts["annual_recap"]
    assert "Reçu annuel récapitulatif des versements de l'année 2026" in text
    assert "Période : du 01/01/2026 au 31/12/2026" in text
    assert "Date du versement ou du don" not in text
    assert "***180,00 €***" in text and "cent quatre-vingts euros" in text
    for month in range(1, 13):
        assert f"05/{month:02d}/2026 15,00 €" in text
    assert "Date d'émission du reçu : 15/01/2027" in text
    assert is_ticked(text, "200")


def test_replacement_receipt_names_the_receipt_it_replaces_and_the_amount_kept(texts):
    text = texts["replacement"]
    assert "Ce reçu annule et remplace le reçu n° 2026-000042" in text
    assert "Numéro d'ordre du reçu : 2026-000051" in text
    assert "***100,00 €***" in text and "Somme en toutes lettres : cent euros" in text


@pytest.mark.parametrize("name", CASES)
def test_receipt_is_one_page_with_embedded_fonts_and_document_info(name):
    snapshot = CASES[name]
    reader = read(draw_receipt(snapshot, SIGNATURE))
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    info = reader.metadata
    assert info.title == f"Reçu fiscal {snapshot.number}"
    assert info.author == FOUNDATION.name
    assert info["/CreationDate"].startswith(f"D:{snapshot.issued_on:%Y%m%d}")


def test_signature_image_is_drawn_when_the_snapshot_records_it_and_must_be_that_image():
    def images(pdf: bytes) -> int:
        return len(read(pdf).pages[0].images)

    signed, unsigned = CASES["ir_card_gift"], receipt(foundation=UNSIGNED)
    assert images(draw_receipt(signed, SIGNATURE)) == 1
    assert images(draw_receipt(unsigned)) == 0
    with pytest.raises(ValueError, match="pass its PNG"):
        draw_receipt(signed)
    with pytest.raises(ValueError, match="not the one"):
        draw_receipt(unsigned, SIGNATURE)
    with pytest.raises(ValueError, match="not the one"):
        draw_receipt(signed, SIGNATURE + b"\0")
    garbage = receipt(foundation=dataclasses.replace(FOUNDATION, signature_sha256=hashlib.sha256(b"?").hexdigest()))
    with pytest.raises(ValueError, match="readable"):
        draw_receipt(garbage, b"?")


def test_specimen_receipt_is_marked_and_says_it_has_no_tax_value():
    text = text_of(draw_receipt(receipt(specimen=True), SIGNATURE))
    assert "Document sans valeur fiscale (paiement de test)" in text
    assert text.count("SPECIMEN") >= 2  # the line under the title and the diagonal mark
    assert "***150,00 €***" in text


def test_same_snapshot_gives_the_same_bytes_and_another_snapshot_other_bytes():
    recap = CASES["annual_recap"]
    first = draw_receipt(recap, SIGNATURE)
    assert draw_receipt(recap, SIGNATURE) == first
    assert draw_receipt(dataclasses.replace(recap, foundation=UNSIGNED)) != first
    assert draw_receipt(dataclasses.replace(recap, number="2027-000008"), SIGNATURE) != first


def test_same_snapshot_gives_the_same_bytes_in_another_process_on_another_day():
    png = SIGNATURE
    expected = {name: hashlib.sha256(draw_receipt(s, png)).hexdigest() for name, s in CASES.items()}
    script = (
        "import hashlib, json, sys\n"
        "from receipts.document.cerfa import draw_receipt\n"
        "from receipts.document.snapshot import ReceiptSnapshot\n"
        "data = json.load(sys.stdin)\n"
        "png = bytes.fromhex(data['png'])\n"
        "print(json.dumps({name: hashlib.sha256(draw_receipt(ReceiptSnapshot.from_json(s), png)).hexdigest()"
        " for name, s in data['snapshots'].items()}))\n"
    )
    payload = json.dumps({"png": png.hex(), "snapshots": {name: s.to_json() for name, s in CASES.items()}})
    # Another clock, time zone and hash seed: none of them may reach the bytes.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1893456000", "TZ": "Pacific/Auckland", "PYTHONHASHSEED": "123"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=payload,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == expected


def test_latin_extended_names_print_and_read_back_intact():
    donor = dataclasses.replace(
        MARIE, first_name="Łukasz", last_name="Dvořák-Şahin", city="Łódź", country="PL", country_name="Pologne"
    )
    text = text_of(draw_receipt(receipt(donor=donor), SIGNATURE))
    assert "Nom : Dvořák-Şahin" in text and "Prénoms : Łukasz" in text and "Commune : Łódź" in text


def test_a_weekly_donors_recap_of_sixty_payments_fits_one_page():
    payments = tuple(PaymentLine(dt.date(2026, 1, 1) + dt.timedelta(days=6 * k), 1000 + k) for k in range(60))
    snapshot = receipt(
        kind="annual",
        paid_on=None,
        period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        payments=payments,
        amount_cents=sum(p.amount_cents for p in payments),
    )
    pdf = draw_receipt(snapshot, SIGNATURE)
    assert len(read(pdf).pages) == 1
    text = text_of(pdf)
    for p in payments:
        assert f"{p.date:%d/%m/%Y} {p.amount_cents // 100},{p.amount_cents % 100:02d} €" in text
    too_many = tuple(PaymentLine(dt.date(2026, 1, 1) + dt.timedelta(days=k), 100) for k in range(101))
    with pytest.raises(LayoutError):
        draw_receipt(dataclasses.replace(snapshot, payments=too_many, amount_cents=10100), SIGNATURE)


@pytest.mark.parametrize("name", CASES)
def test_snapshot_json_round_trip_is_exact(name):
    snapshot = CASES[name]
    data = json.loads(json.dumps(snapshot.to_json()))
    assert data == snapshot.to_json()
    assert ReceiptSnapshot.from_json(data) == snapshot
    assert isinstance(data["amount_cents"], int) and isinstance(data["issued_on"], str)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"articles": ("200", "238 bis")}, "238 bis"),
        ({"articles": ()}, "ticks"),
        ({"form": "16216", "form_version": "16216*01", "articles": ("238 bis",)}, "individual donor"),
        ({"form": "16216", "form_version": "16216*01", "donor": ACME, "articles": ("200",)}, "articles"),
        ({"donor": ACME, "articles": ("238 bis",)}, "company donor"),
        ({"form_version": "16216*01"}, "form_version"),
        ({"kind": "annual", "paid_on": None, "payments": MONTHLY, "amount_cents": 18000}, "period"),
        ({"kind": "annual", "paid_on": None, "period": (dt.date(2026, 1, 1), dt.date(2026, 12, 31))}, "payments"),
        (
            {
                "kind": "annual",
                "paid_on": None,
                "period": (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                "payments": MONTHLY,
                "amount_cents": 18001,
            },
            "add up",
        ),
        ({"paid_on": None}, "paid_on"),
        ({"number": "42"}, "receipt number"),
        ({"number": "2026-42"}, "receipt number"),
        ({"replaces": "2026-000042"}, "itself"),
        ({"amount_cents": 0}, "positive"),
        ({"amount_cents": 150.0}, "integer cents"),
        ({"payment_methods": ("carte",)}, "payment_methods"),
        ({"issued_on": dt.datetime(2026, 3, 12, 10, 0)}, "date"),
        ({"verification_url": "javascript:alert(1)"}, "verification_url"),
    ],
)
def test_snapshot_refuses_what_no_receipt_may_say(changes, message):
    with pytest.raises(ValueError, match=message):
        receipt(**changes)


def test_snapshot_from_json_refuses_an_unknown_schema_or_field():
    data = CASES["ir_card_gift"].to_json()
    with pytest.raises(ValueError, match="schema"):
        ReceiptSnapshot.from_json({**data, "schema": 2})
    with pytest.raises(ValueError, match="unknown fields"):
        ReceiptSnapshot.from_json({**data, "extra": 1})
    with pytest.raises(ValueError, match="ISO date"):
        ReceiptSnapshot.from_json({**data, "paid_on": "12/03/2026"})
