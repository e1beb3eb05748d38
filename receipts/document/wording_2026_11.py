"""The wording of edition "2026-11", frozen: receipts drawn with it are redrawn to the byte.

Text only (`cerfa_2026_11` draws it); nothing here may change.
"""

from __future__ import annotations

from receipts.document.snapshot import FORM_COMPANY, ReceiptSnapshot

TITLES = {
    "11580": "Reçu au titre des dons à certains organismes d'intérêt général",
    "16216": "Reçu des dons et versements effectués par les entreprises au titre de l'article 238 bis "
    "du code général des impôts",
}
SUBTITLES = {"11580": "Articles 200, 238 bis et 978 du code général des impôts", "16216": ""}
TAX_FORMS = {"11580": "2041-RD", "16216": "2041-MEC-SD"}
ARTICLE_BOXES = {"11580": ("200", "238 bis", "978"), "16216": ("238 bis",)}
FORMS_OF_GIFT = (
    ("acte_authentique", "Acte authentique"),
    ("acte_sous_seing_prive", "Acte sous seing privé"),
    ("declaration_de_don_manuel", "Déclaration de don manuel"),
    ("autres", "Autres"),
)
NATURES = (("numeraire", "Numéraire"), ("titres", "Titres de sociétés cotés"), ("autres", "Autres"))
PAYMENT_METHODS = (
    ("especes", "Remise d'espèces"),
    ("cheque", "Chèque"),
    ("virement_prelevement_carte", "Virement, prélèvement, carte bancaire"),
)
RECEIVED = (
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à réduction "
    "d'impôt la somme de :"
)
CERTIFIES = (
    "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à la "
    "réduction d'impôt prévue à l'article :"
)
SPECIMEN_LINE = "Document sans valeur fiscale (paiement de test)"
FINE_1740_A = (
    "Article 1740 A du code général des impôts : l'organisme qui délivre à tort des reçus permettant "
    "d'obtenir une réduction d'impôt est redevable d'une amende égale au taux de cette réduction "
    "appliqué aux sommes indûment mentionnées sur les reçus."
)


def footnotes(s: ReceiptSnapshot) -> list[str]:
    articles = (
        "Article 238 bis : réduction de l'impôt sur le revenu ou de l'impôt sur les sociétés dû par "
        "l'entreprise au titre de ses dons et versements."
        if s.form == FORM_COMPANY
        else "Article 200 : réduction de l'impôt sur le revenu ; article 978 : réduction de l'impôt sur la "
        "fortune immobilière (IFI). Un même versement n'ouvre droit qu'à une seule de ces réductions. "
        "Les dons des entreprises (article 238 bis) font l'objet du Cerfa n° 16216."
    )
    notes = [
        articles,
        "Le reçu ne porte que sur les sommes effectivement reçues et conservées par le bénéficiaire : un "
        "remboursement l'annule et, s'il est partiel, un reçu portant un nouveau numéro est établi pour "
        "la somme conservée.",
    ]
    if s.kind == "annual":
        notes.append(
            "Reçu annuel récapitulatif : il remplace des reçus par versement et couvre tous les versements "
            "reçus pendant la période indiquée, listés ci-dessus."
        )
    notes.append(FINE_1740_A)
    notes.append(
        "Ce reçu est à conserver : l'administration fiscale peut le demander pour justifier la réduction d'impôt."
    )
    return notes
