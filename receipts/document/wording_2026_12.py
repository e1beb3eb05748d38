"""The wording of edition "2026-12": the titles, boxes and footnotes of the current forms,
quoted as published (Cerfa n° 11580*05 of 2023 and n° 16216), with the foundation's help
for filing. Text only: `cerfa_2026_12` draws it."""

from __future__ import annotations

TITLES = {
    "11580": "Reçu des dons et versements effectués par les particuliers au titre des articles 200 et 978 "
    "du code général des impôts",
    "16216": "Reçu des dons et versements effectués par les entreprises au titre de l'article 238 bis "
    "du code général des impôts",
}
TAX_FORMS = {"11580": "2041-RD", "16216": "2041-MEC-SD"}

# The beneficiary's category, as the forms word it: the form allows printing only the boxes that apply.
GENERAL_INTEREST = {
    "11580": "Œuvre ou organisme d'intérêt général ayant un caractère philanthropique, éducatif, scientifique, "
    "social, humanitaire, sportif, familial, culturel ou concourant à la mise en valeur du patrimoine artistique, "
    "à la défense de l'environnement naturel ou à la diffusion de la culture, de la langue et des connaissances "
    "scientifiques françaises",
    "16216": "Œuvre ou organisme d'intérêt général ayant un caractère philanthropique, éducatif, scientifique, "
    "social, humanitaire, sportif, familial, culturel ou concourant à l'égalité entre les femmes et les hommes, "
    "à la mise en valeur du patrimoine artistique, à la défense de l'environnement naturel ou à la diffusion de "
    "la culture, de la langue et des connaissances scientifiques françaises",
}
RUP = "Association ou fondation reconnue d'utilité publique par décret en date du {decree} publié au Journal officiel du {jo}"

# Form 11580*05.
RECEIVED = (
    "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à réduction "
    "d'impôt la somme de (1) :"
)
CERTIFIES = (
    "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à la "
    "réduction d'impôt prévue à l'article (2) :"
)
ARTICLES = (("200", "200 du CGI"), ("978", "978 du CGI"))
FORMS_OF_GIFT = (
    ("acte_authentique", "Acte authentique"),
    ("acte_sous_seing_prive", "Acte sous seing privé"),
    ("declaration_de_don_manuel", "Déclaration de don manuel"),
    ("autres", "Autres"),
)
NATURES = (
    ("numeraire", "Numéraire"),
    ("titres", "Titres de sociétés cotés"),
    ("abandon_revenus", "Abandon exprès de revenus ou de produits"),
    ("frais_benevoles", "Frais engagés par les bénévoles, dont ils renoncent expressément au remboursement"),
    ("autres", "Autres (4)"),
)
PAYMENT_METHODS = (
    ("especes", "Remise d'espèces"),
    ("cheque", "Chèque"),
    ("virement_prelevement_carte", "Virement, prélèvement, carte bancaire"),
)

# Form 16216*03.
COMPANY_IN_KIND = (
    "L'organisme bénéficiaire reconnaît avoir reçu, au titre de la réduction d'impôt prévue à l'article 238 bis "
    "du code général des impôts, des dons en nature pour une valeur en euros égale à (1) :"
)
COMPANY_DESCRIPTION = (
    "Description exhaustive des biens et prestations reçus et acceptés (2) (nature et quantité) (3) et détail "
    "des salariés mis à disposition :"
)
COMPANY_RECEIVED = (
    "L'organisme bénéficiaire reconnaît avoir reçu, au titre de la réduction d'impôt prévue à l'article 238 bis "
    "du code général des impôts, des versements pour une valeur totale égale à :"
)
COMPANY_TOTAL = "Montant total des dons et versements reçus par l'organisme :"
COMPANY_PERIOD = "Date ou période au cours de laquelle les dons et versements ont été effectués (5) : "
COMPANY_PAYMENT_FORMS = (
    ("especes", "Remise d'espèces"),
    ("cheque", "Chèque"),
    ("virement_prelevement_carte", "Virement, prélèvement ou carte bancaire"),
    ("autre", "Autre"),
)
NOTHING = "néant"

# The footnotes, quoted as the forms print them.
FOOTNOTES = {
    "11580": (
        "(1) Pour les dons de titres de sociétés cotées et les dons en nature, mentionnez la valeur du don.",
        "(2) L'organisme bénéficiaire peut cocher une ou plusieurs cases, étant entendu que la fraction du montant "
        "donné qui ouvre droit pour son auteur à la réduction d'IFI prévue à l'article 978 du CGI ne peut ouvrir "
        "droit à la réduction d'IR prévue à l'article 200 du CGI et inversement. En application de l'article "
        "L. 80 C du livre des procédures fiscales, il peut demander à l'administration s'il relève de l'une des "
        "catégories d'organismes mentionnées à l'article 200 du code général des impôts. Il est rappelé que le "
        "fait de délivrer sciemment des documents permettant à un contribuable d'obtenir indûment une réduction "
        "d'impôt entraîne l'application de l'amende prévue à l'article 1740 A du code général des impôts.",
        "(3) La réduction d'IFI ne s'applique qu'aux dons en numéraire et aux dons en pleine propriété de titres "
        "de sociétés cotées.",
        "(4) Exemple : dons en nature.",
    ),
    "16216": (
        "(1) L'organisme bénéficiaire des dons en nature reporte sur le reçu fiscal le montant indiqué par "
        "l'entreprise donatrice.",
        "(2) L'entreprise ne peut pas prétendre au bénéfice de la réduction d'impôt à raison des dons en nature "
        "refusés par l'organisme.",
        "(3) La description peut être établie par l'organisme bénéficiaire sur papier libre signé, daté et joint "
        "à la présente attestation.",
        "(4) L'organisme bénéficiaire des versements peut cocher une ou plusieurs cases.",
        "(5) L'organisme bénéficiaire peut établir un reçu unique pour plusieurs dons et versements effectués lors "
        "d'une période déterminée (à titre d'exemple, un mois, un trimestre, l'année civile ou encore l'exercice "
        "fiscal de l'entreprise donatrice). L'organisme bénéficiaire devra cependant s'assurer que la période sur "
        "laquelle porte le reçu fiscal n'est pas à cheval sur deux exercices fiscaux différents de l'entreprise "
        "donatrice, notamment dans le cas où l'exercice fiscal de l'entreprise donatrice ne coïncide pas avec "
        "l'année civile.",
    ),
}

# "Comment déclarer ?", by article: where the amount goes, then how long to keep the receipt.
HOW_TO_DECLARE = {
    "200": (
        "Impôt sur le revenu : reportez le montant de ce reçu sur la déclaration complémentaire n° 2042-RICI, "
        "case 7UF (dons à des organismes d'intérêt général), avec la déclaration des revenus de l'année {year}.",
        "Conservez ce reçu au moins 3 ans après l'année de la déclaration (plus longtemps si une part du don est "
        "reportée sur les années suivantes) : l'administration fiscale peut le demander. Inutile de l'envoyer "
        "avec une déclaration en ligne.",
    ),
    "978": (
        "IFI : reportez le montant de ce reçu sur la déclaration n° 2042-IFI, rubrique des dons (réduction d'IFI "
        "au titre des dons à certains organismes d'intérêt général), dans la déclaration d'IFI que ce don réduit.",
        "Conservez ce reçu au moins 3 ans après l'année de la déclaration : l'administration fiscale peut le demander.",
    ),
    "238 bis": (
        "Entreprise : la réduction d'impôt se déclare sur le formulaire n° 2069-RCI, déposé avec la déclaration "
        "de résultats de l'exercice au cours duquel les versements ont été effectués.",
        "Conservez ce reçu au moins 6 ans (article L. 102 B du livre des procédures fiscales) : il justifie la "
        "réduction d'impôt en cas de contrôle.",
    ),
}
