"""The receipt page drawn alone, and against bare reportlab drawing the same page.

`sample_snapshot()` builds a representative receipt snapshot (no database, no
Flask); `time_drawing()` measures `receipts.document.cerfa.draw_receipt` on it
(bench/receipts.py compares issuing receipts through the service with that).
Then the drawing is set against bare reportlab (bench/bare_receipt.py): the
same strings at the same positions in the same embedded TrueType fonts, the
same rectangles and QR code path, made as plain canvas calls with no layout
logic, to the same PDF bytes; both in turn on the same pages, in one run.

    .venv/bin/python -m bench.receipts_drawing [ITERATIONS]     (target: ratio <= 1.2)
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from bench.bare_receipt import against_bare
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import (
    CURRENT_EDITION,
    FIRST_EDITION,
    SCHEMA_VERSION,
    DonorMentions,
    FoundationMentions,
    PaymentLine,
    ReceiptSnapshot,
)

FOUNDATION = FoundationMentions(
    name="Fondation pour la Recherche sur la Dystonie",
    address="12 rue de l'Exemple, 75013 Paris, France",
    siren="123456789",
    rna="",
    object="Soutenir la recherche sur la dystonie et informer les patients et leurs proches",
    rup_decree_date=dt.date(2006, 9, 13),
    rup_journal_officiel_date=dt.date(2006, 9, 15),
    signatory_name="Claire Martin",
    signatory_title="Présidente",
)


def sample_snapshot(
    number: int = 42, *, monthly: bool = False, specimen: bool = False, edition: str = FIRST_EDITION
) -> ReceiptSnapshot:
    """A 150 € card gift (or, with `monthly`, a recap of 12 × 15 €) by an individual donor,
    drawn in `edition` (the first by default; new receipts are drawn in CURRENT_EDITION)."""
    payments = tuple(PaymentLine(dt.date(2026, m, 5), 1500) for m in range(1, 13)) if monthly else ()
    return ReceiptSnapshot(
        schema=SCHEMA_VERSION,
        number=f"2026-{number:06d}",
        form="11580",
        form_version="11580*05",
        kind="annual" if monthly else "per_gift",
        specimen=specimen,
        issued_on=dt.date(2027, 1, 15) if monthly else dt.date(2026, 3, 12),
        foundation=FOUNDATION,
        donor=DonorMentions(
            donor_type="individual",
            first_name="Marie-Hélène",
            last_name="Lefèvre",
            company_name="",
            legal_form="",
            siren="",
            address_line1="3 place de l'Église",
            address_line2="Bâtiment B",
            postal_code="69002",
            city="Lyon",
            country="FR",
            country_name="France",
        ),
        amount_cents=18000 if monthly else 15000,
        articles=("200",),
        form_of_gift="declaration_de_don_manuel",
        nature="numeraire",
        payment_methods=("virement_prelevement_carte",),
        paid_on=None if monthly else dt.date(2026, 3, 12),
        period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) if monthly else None,
        payments=payments,
        replaces=None,
        verification_url=f"https://dons.example.org/receipts/verify/2026-{number:06d}?c=7f3a9c2e41d8b650",
        edition=edition,
    )


def time_drawing(iterations: int = 200, *, monthly: bool = False) -> list[float]:
    """Seconds taken by each of `iterations` drawings (after one warm-up drawing)."""
    draw_receipt(sample_snapshot(monthly=monthly))
    times = []
    for i in range(iterations):
        snapshot = sample_snapshot(i + 1, monthly=monthly)
        start = time.perf_counter()
        draw_receipt(snapshot)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str]) -> None:
    iterations = int(argv[1]) if len(argv) > 1 else 200
    for monthly in (False, True):
        times = time_drawing(iterations, monthly=monthly)
        label = "annual recap (12 payments)" if monthly else "per-gift receipt"
        print(
            f"{label}: median {statistics.median(times) * 1000:.1f} ms, "
            f"{len(times) / sum(times):.0f} receipts/s over {len(times)} drawings"
        )
    for monthly in (False, True):
        label = "annual recap" if monthly else "per-gift"
        snapshots = [sample_snapshot(i + 1, monthly=monthly, edition=CURRENT_EDITION) for i in range(iterations)]
        figures = against_bare(snapshots)
        print(
            f"{label}, ours against bare reportlab (same page, same bytes, CPU time): "
            f"{figures.ours * 1000:.2f} ms / {figures.bare * 1000:.2f} ms, "
            f"ratio {figures.ratio:.2f} (target <= 1.20; median of {figures.pages} pages in turn)"
        )


if __name__ == "__main__":
    main(sys.argv)
