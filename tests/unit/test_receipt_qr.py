"""The receipt's QR code (receipts/document/qr.py): the very modules the `qrcode` package makes,
computed without its slow error correction, for every kind of data a verification link can hold."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receipts.document.qr import qr_matrix, qr_rows, qrcode_matrix

LINKS = [
    "https://dons.example.org/receipts/verify/2026-000042?c=7f3a9c2e41d8b650",
    "https://dons.example.org/receipts/verify/2026-000042?c=" + "7f3a9c2e41d8b650" * 8,
    # Long runs of digits and of capitals: qrcode splits them into numeric and alphanumeric segments.
    "https://DONS.EXAMPLE.ORG/R/2026-000001000000000000000000000000?C=12345678901234567890123",
    "0" * 100,
    "A1" * 60,
    "é" * 50,
    "",
]


@pytest.mark.parametrize("data", LINKS)
def test_the_modules_are_those_qrcode_makes(data: str) -> None:
    assert qr_matrix(data) == qrcode_matrix(data)


def test_every_version_up_to_the_largest_gives_the_same_modules() -> None:
    rnd = random.Random(20)
    sizes = set()
    for length in [*range(0, 400, 9), 600, 1000, 1500, 2000, 2300]:
        data = "".join(rnd.choice(string.printable) for _ in range(length))
        matrix = qr_matrix(data)
        assert matrix == qrcode_matrix(data), length
        sizes.add(len(matrix))
    assert min(sizes) == 21 and max(sizes) > 150  # version 1 to past 33


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_the_same_modules(data: str) -> None:
    assert qr_matrix(data) == qrcode_matrix(data)


def test_the_rows_spell_the_modules() -> None:
    rows = qr_rows(LINKS[0])
    assert [[module == "1" for module in row] for row in rows] == qrcode_matrix(LINKS[0])
    assert set("".join(rows)) == {"0", "1"}


def test_data_too_large_for_any_version_is_refused_as_qrcode_refuses_it() -> None:
    assert len(qr_matrix("x" * 2331)) == 177  # the most a version 40 symbol at level M holds
    for refused in ("x" * 2332, "x" * 3000):
        with pytest.raises(ValueError, match="version"):
            qrcode_matrix(refused)
        with pytest.raises(ValueError, match="version"):
            qr_matrix(refused)
