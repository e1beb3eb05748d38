"""Words of a PDF with their boxes, as poppler's `pdftotext -bbox` reads them (an independent reader)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from receipts.document.marking import BAND

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    """A word and its box, in points from the top-left corner of the page."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def overlaps(self, other: Word, tolerance: float = 0.1) -> bool:
        """Whether the two boxes share more than a hairline (the boxes span the font's full ascent and descent)."""
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance
            and min(self.y1, other.y1) - max(self.y0, other.y0) > tolerance
        )


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]


def pages_of(pdf: bytes) -> list[Page]:
    """Every page with its words, in poppler's reading order (skips, saying why, without poppler)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (apt-get install poppler-utils; .ci/run installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "receipt.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
        )
    pages = []
    for chunk in out.stdout.split("<page ")[1:]:
        size = _PAGE.match("<page " + chunk)
        assert size is not None
        words = tuple(
            Word(float(a), float(b), float(c), float(d), html.unescape(text))
            for a, b, c, d, text in _WORD.findall(chunk)
        )
        pages.append(Page(float(size.group(1)), float(size.group(2)), words))
    return pages


def between(page: Page, first: str, after: str) -> list[Word]:
    """The words below the first word `first` and above the first word `after` below it (a box's content)."""
    top = next(w for w in page.words if w.text == first)
    bottom = next(w for w in page.words if w.text == after and w.y0 > top.y1)
    return [w for w in page.words if top.y1 <= w.y0 and w.y1 <= bottom.y0]


def split(page: Page) -> tuple[list[Word], list[Word]]:
    """(the stamp's words, the receipt's words): the stamp lives in the top band and the two side strips."""
    side = page.width * BAND / page.height / 2
    stamp = [w for w in page.words if w.y1 <= BAND or w.x1 <= side or w.x0 >= page.width - side]
    return stamp, [w for w in page.words if w not in stamp]


def page_text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)
