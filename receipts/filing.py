"""Where a donor declares a receipt's amount: the return and the box, by article of the CGI.

The one place these numbers live. Each drawing edition of the receipts prints the
numbers of its own entry in `BY_EDITION` (an issued receipt is redrawn to the byte,
so an edition's entry is never edited: new numbers go into a new edition's entry);
the pages that help the donor file read `CURRENT`.

Checked for the returns filed in 2027 (income of 2026, IFI 2027):
- income tax (art. 200): box 7UF of the income tax return n° 2042 itself ("dons versés
  à d'autres organismes d'intérêt général"); since the returns of 2021 the 2042-RICI only
  takes the carry-forward of earlier years' excess (7XS-7XY) and gifts to organisations
  established elsewhere in the EEA (7VC);
- IFI (art. 978): box 9NC of the IFI return n° 2042-IFI ("dons au profit de certains
  organismes d'intérêt général");
- companies (art. 238 bis): the reduction is declared on form n° 2069-RCI-SD (Cerfa 15252),
  its "mécénat" lines, filed with the result return of the financial year in which the gifts
  were made (BOFiP, the companies' mécénat, declaration duties); a sole trader carries the reduction on to the 2042-C-PRO.
Check them again each year (TAX_RULES.md, "Receipt forms").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BY_EDITION", "CURRENT", "Filing"]


@dataclass(frozen=True)
class Filing:
    """One article's return and box, and how long the donor keeps the receipt."""

    form: str  # the return's number, as printed on it: "2042", "2042-IFI", "2069-RCI-SD"
    box: str | None  # the box ("case") the amount goes in, when the return has one for it
    box_label: str  # the box's or the section's title on the return
    keep_years: int  # at least this many years after the year of the return


BY_EDITION: dict[str, dict[str, Filing]] = {
    "2027-01": {
        "200": Filing("2042", "7UF", "dons versés à d'autres organismes d'intérêt général", 3),
        "978": Filing("2042-IFI", "9NC", "dons au profit de certains organismes d'intérêt général", 3),
        "238 bis": Filing("2069-RCI-SD", None, "réduction d'impôt mécénat", 6),
    },
}
CURRENT = BY_EDITION["2027-01"]
