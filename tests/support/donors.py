"""The donors the tests give as: what they type in the /donate form."""

from __future__ import annotations

INDIVIDUAL = {
    "donor_type": "individual",
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@example.org",
    "address_line1": "12 rue des Lilas",
    "postal_code": "75013",
    "city": "Paris",
    "country": "FR",
    "consent": "y",
}


COMPANY = {
    **INDIVIDUAL,
    "donor_type": "company",
    "email": "mecenat@acme.example",
    "company_name": "ACME Industries",
    "legal_form": "SAS",
    "siren": "732 829 320",
}
