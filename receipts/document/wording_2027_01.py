"""The wording of edition "2027-01": that of edition "2026-12" (`wording_2026_12`, the forms as
published), with a "Comment déclarer ?" box naming the box each return has for the gift.

Text only: `cerfa_2027_01` draws it. The returns' numbers and boxes come from
`receipts.filing.BY_EDITION["2027-01"]`, the one place they are written.
"""

from __future__ import annotations

from receipts.filing import BY_EDITION

__all__ = ["EDITION", "HOW_TO_DECLARE"]

EDITION = "2027-01"
_FILING = BY_EDITION[EDITION]
_IR, _IFI, _COMPANY = _FILING["200"], _FILING["978"], _FILING["238 bis"]

# "Comment déclarer ?", by article: where the amount goes, then how long to keep the receipt.
HOW_TO_DECLARE = {
    "200": (
        f"Impôt sur le revenu : reportez le montant de ce reçu case {_IR.box} ({_IR.box_label}) de la "
        f"déclaration des revenus n° {_IR.form}, avec les revenus de l'année {{year}}.",
        f"Conservez ce reçu au moins {_IR.keep_years} ans après l'année de la déclaration (plus longtemps si une "
        "part du don est reportée sur les années suivantes) : l'administration fiscale peut le demander. Inutile "
        "de l'envoyer avec une déclaration en ligne.",
    ),
    "978": (
        f"IFI : reportez le montant de ce reçu case {_IFI.box} ({_IFI.box_label}) de la déclaration "
        f"n° {_IFI.form}, dans la déclaration d'IFI que ce don réduit.",
        f"Conservez ce reçu au moins {_IFI.keep_years} ans après l'année de la déclaration : l'administration "
        "fiscale peut le demander.",
    ),
    "238 bis": (
        f"Entreprise : la réduction d'impôt se déclare sur le formulaire n° {_COMPANY.form} ({_COMPANY.box_label}), "
        "déposé avec la déclaration de résultats de l'exercice au cours duquel les versements ont été effectués.",
        f"Conservez ce reçu au moins {_COMPANY.keep_years} ans (article L. 102 B du livre des procédures "
        "fiscales) : il justifie la réduction d'impôt en cas de contrôle.",
    ),
}
