"""Reading a FEC back as its reader (the accountant's software, the tax office's test tool) would."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

HEADER = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\t"
    "PieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise"
)
AMOUNT = re.compile(r"^\d+,\d{2}$")
DATE = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class FecLine:
    journal: str
    number: int
    date: str
    account: str
    piece_ref: str
    label: str
    debit_cents: int
    credit_cents: int


def cents(amount: str) -> int:
    assert AMOUNT.match(amount), f"not a FEC amount: {amount!r}"
    euros, hundredths = amount.split(",")
    return int(euros) * 100 + int(hundredths)


def read_fec(text: str) -> list[FecLine]:
    """The lines of a FEC, every field checked against the format of art. A47 A-1 LPF."""
    rows = text.split("\r\n")
    assert rows[0] == HEADER and rows[-1] == ""
    lines = []
    for row in rows[1:-1]:
        fields = row.split("\t")
        assert len(fields) == 18, row
        for date in (fields[3], fields[9], fields[15]):
            assert DATE.match(date), row
        assert fields[4].isdigit() and fields[5] and fields[8] and fields[10], row
        lines.append(
            FecLine(
                fields[0],
                int(fields[2]),
                fields[3],
                fields[4],
                fields[8],
                fields[10],
                cents(fields[11]),
                cents(fields[12]),
            )
        )
    return lines


def entries(lines: list[FecLine]) -> dict[int, list[FecLine]]:
    grouped: dict[int, list[FecLine]] = defaultdict(list)
    for line in lines:
        grouped[line.number].append(line)
    return grouped


def balance(lines: list[FecLine], account: str) -> int:
    """Debits less credits of an account."""
    return sum(line.debit_cents - line.credit_cents for line in lines if line.account == account)
