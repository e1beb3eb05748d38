"""Drawing primitives of the Cerfa receipts: fonts, a top-down text cursor,
titled boxes, check boxes and the QR code.

`receipts.document.cerfa` says what a receipt prints; this module says how a line, a
box or a check box looks. Everything here is deterministic: no clock, no
random id, fonts read once per process.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from receipts.document.qr import qr_matrix, qr_rows

__all__ = ["BOLD", "REGULAR", "LayoutError", "Sheet", "qr_matrix", "qr_path", "register_fonts"]

FONTS_DIR = Path(__file__).with_name("fonts")
REGULAR = "ReceiptSans"
BOLD = "ReceiptSans-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 34.0
LEFT, RIGHT = MARGIN, PAGE_WIDTH - MARGIN
WIDTH = RIGHT - LEFT
PAD = 6.0  # inside a box
BODY, LEAD = 8.6, 11.2
SMALL, SMALL_LEAD = 6.6, 8.1
BAND = 13.0  # height of a box's title band
CHECK = 8.0  # side of a check box


class LayoutError(ValueError):
    """The receipt does not fit on one A4 page (a receipt is exactly one page)."""


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register the embedded TrueType fonts once per process; return (regular, bold) names."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    return REGULAR, BOLD


_CONTROLS = {code: " " for code in [*range(32), 127]}


def clean(text: str) -> str:
    """One printable line: control characters (a pasted tab or newline) become spaces."""
    if text.isprintable():  # no control character (the common case, checked at C speed)
        return text
    return text.translate(_CONTROLS)


@functools.lru_cache(maxsize=4096)
def width_of(text: str, bold: bool = False, size: float = BODY) -> float:
    return pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size)


@functools.lru_cache(maxsize=1024)
def wrap(text: str, width: float, *, bold: bool = False, size: float = BODY) -> tuple[str, ...]:
    """Lines of `text` no wider than `width` (explicit newlines kept).

    Words go on a line while they fit, as reportlab's `simpleSplit` does (so a
    text that always fitted wraps as it always did, to the byte); a word wider
    than the whole line is cut after its hyphens, or else between letters.
    """
    lines: list[str] = []
    for part in text.replace("\r\n", "\n").split("\n"):
        lines.extend(_wrapped(clean(part), width, BOLD if bold else REGULAR, size) or [""])
    return tuple(lines)


def _wrapped(text: str, width: float, font: str, size: float) -> list[str]:
    def measure(run: str) -> float:
        return pdfmetrics.stringWidth(run, font, size)

    space = measure(" ")
    lines: list[str] = []
    line: list[str] = []
    used = -space
    for word in text.split():
        word_width = measure(word)
        if word_width > width:
            if line:
                lines.append(" ".join(line))
            *full, rest = _pieces(word, width, font, size)
            lines.extend(full)
            line, used = [rest], measure(rest)
        elif used + space + word_width <= width or not line:
            line.append(word)
            used += space + word_width
        else:
            lines.append(" ".join(line))
            line, used = [word], word_width
    if line:
        lines.append(" ".join(line))
    return lines


_HYPHENS = "-\u2010\u2011"
_AFTER_HYPHENS = re.compile(rf"[^{_HYPHENS}]*[{_HYPHENS}]+|[^{_HYPHENS}]+$")


def _pieces(word: str, width: float, font: str, size: float) -> list[str]:
    """A word wider than the line, cut into pieces that fit: after its hyphens where it has
    some ("Saint-Remy-en-" / "Bouzemont"), else between letters; the last piece stays open."""
    pieces: list[str] = []
    current = ""
    for segment in _AFTER_HYPHENS.findall(word):
        if pdfmetrics.stringWidth(current + segment, font, size) <= width:
            current += segment
            continue
        if current:
            pieces.append(current)
        while pdfmetrics.stringWidth(segment, font, size) > width:
            cut = _fitting_prefix(segment, width, font, size)
            pieces.append(segment[:cut])
            segment = segment[cut:]
        current = segment
    return [*pieces, current]


def _fitting_prefix(text: str, width: float, font: str, size: float) -> int:
    """How many characters of `text` fit in `width` (at least one letter with its accents)."""
    used, fits = 0.0, 0
    for i, char in enumerate(text):
        used += pdfmetrics.stringWidth(char, font, size)  # no kerning: widths add up
        if used > width:
            break
        fits = i + 1
    fits = max(fits, 1)
    while fits < len(text) and unicodedata.combining(text[fits]):
        fits += 1  # never part an accent from its letter
    return fits


def _value_width(width: float, label_width: float) -> float:
    return max(width - label_width, 40.0)


def _has_wider_word(text: str, width: float, size: float) -> bool:
    return any(width_of(word, False, size) > width for word in clean(text).split())


_DARK_RUNS = re.compile("1+")
# The pieces of a QR code's "x y width 1 re" path operators (a QR code is at most 177 modules wide).
_RUN_X = [f"{x} " for x in range(178)]
_RUN_WIDTH = [f" {width} 1 re" for width in range(178)]


@functools.lru_cache(maxsize=1024)
def qr_path(data: str) -> tuple[int, str]:
    """The QR code of `data` as (its width in modules, the PDF path filling its dark modules: an
    "x y width 1 re" rectangle per run of dark modules, row by row from the top).

    Kept for the last 1024 contents: a receipt drawn again in the same process (a lost file
    redrawn and checked against its hash, a layout tried at two sizes) does not encode its
    verification URL again. The same content gives the same text, so the PDF bytes are the same.
    """
    rows = qr_rows(data)
    n = len(rows)
    ops = []
    for i, row in enumerate(rows):
        row_y = str(n - 1 - i)
        ops += [
            _RUN_X[start] + row_y + _RUN_WIDTH[end - start]
            for start, end in map(re.Match.span, _DARK_RUNS.finditer(row))
        ]
    return n, "\n".join(ops) + "\nf"


class Sheet:
    """A canvas with a cursor `y` moving down the page (the top of the next line)."""

    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas
        self.y = PAGE_HEIGHT - MARGIN
        self.floor = MARGIN  # the flow must stay above it

    # -- text ---------------------------------------------------------------
    def text(self, x: float, baseline: float, text: str, *, bold: bool = False, size: float = BODY) -> float:
        """Draw one string; return the x where it ends."""
        text = clean(text)
        self.c.setFont(BOLD if bold else REGULAR, size)
        self.c.drawString(x, baseline, text)
        return x + width_of(text, bold, size)

    def runs(self, x: float, baseline: float, *runs: tuple[str, bool], size: float = BODY) -> float:
        """Draw (text, bold) runs one after the other in one text object, so that text extraction
        reads them as one line; return the x where they end."""
        text = self.c.beginText(x, baseline)
        for run, bold in runs:
            run = clean(run)
            text.setFont(BOLD if bold else REGULAR, size)
            text.textOut(run)
            x += width_of(run, bold, size)
        self.c.drawText(text)
        return x

    def next_line(self, lead: float = LEAD) -> float:
        """Move down one line; return its baseline."""
        self.y -= lead
        if self.y < self.floor:
            raise LayoutError("the receipt does not fit on one page")
        return self.y + 0.25 * lead

    def paragraph(
        self,
        text: str,
        x: float = LEFT + PAD,
        width: float = WIDTH - 2 * PAD,
        *,
        bold: bool = False,
        size: float = BODY,
        lead: float = LEAD,
        align: str = "left",
    ) -> None:
        for line in wrap(text, width, bold=bold, size=size):
            baseline = self.next_line(lead)
            if align == "center":
                self.c.setFont(BOLD if bold else REGULAR, size)
                self.c.drawCentredString(x + width / 2, baseline, line)
            else:
                self.text(x, baseline, line, bold=bold, size=size)

    def field(
        self,
        label: str,
        value: str,
        x: float = LEFT + PAD,
        width: float = WIDTH - 2 * PAD,
        *,
        size: float = BODY,
        lead: float = LEAD,
    ) -> None:
        """`label` in bold, then `value` wrapped with a hanging indent."""
        label_width = width_of(label, True, size)
        lines = wrap(value, _value_width(width, label_width), size=size)
        for i, line in enumerate(lines):
            baseline = self.next_line(lead)
            if i == 0:
                self.runs(x, baseline, (label, True), (line, False), size=size)
            else:
                self.text(x + label_width, baseline, line, size=size)

    def fields(self, *pairs: tuple[str, str], size: float = BODY, lead: float = LEAD) -> None:
        """Fields side by side in equal columns (empty values are left out).

        When a value holds a word too wide for its column (a long hyphenated
        commune or surname), the fields go one under the other, full width,
        rather than cut that word.
        """
        pairs = tuple((label, value) for label, value in pairs if value.strip())
        if not pairs:
            return
        column = (WIDTH - 2 * PAD) / len(pairs)
        if len(pairs) > 1 and any(
            _has_wider_word(value, _value_width(column - PAD, width_of(label, True, size)), size)
            for label, value in pairs
        ):
            for label, value in pairs:
                self.field(label, value, size=size, lead=lead)
            return
        top, bottom = self.y, self.y
        for i, (label, value) in enumerate(pairs):
            self.y = top
            self.field(label, value, LEFT + PAD + i * column, column - PAD, size=size, lead=lead)
            bottom = min(bottom, self.y)
        self.y = bottom

    def fitted(self, text: str, *, size: float = SMALL, minimum: float = 4.5) -> None:
        """One line that must not wrap (a URL): the font shrinks until it fits the width."""
        text = clean(text)
        while size > minimum and width_of(text, False, size) > WIDTH:
            size -= 0.25
        self.text(LEFT, self.next_line(size * 1.3), text, size=size)

    # -- boxes --------------------------------------------------------------
    def open_box(self, title: str, x: float = LEFT, width: float = WIDTH) -> float:
        """Draw a box's grey title band; return the box's top for `close_box`."""
        top = self.y
        self.c.setFillGray(0.88)
        self.c.rect(x, top - BAND, width, BAND, stroke=0, fill=1)
        self.c.setFillGray(0)
        self.text(x + PAD, top - BAND + 3.6, title, bold=True, size=8.8)
        self.y = top - BAND - 2
        return top

    def close_box(self, top: float, x: float = LEFT, width: float = WIDTH, gap: float = 5.0) -> None:
        self.y -= PAD - 2
        self.c.setLineWidth(0.6)
        self.c.rect(x, self.y, width, top - self.y, stroke=1, fill=0)
        self.y -= gap

    # -- check boxes --------------------------------------------------------
    def checkbox(self, x: float, baseline: float, label: str, ticked: bool) -> float:
        """A square, with a text "X" inside when ticked (so the state reads in the text), then the label."""
        self.c.setLineWidth(0.6)
        self.c.rect(x, baseline - 1.2, CHECK, CHECK, stroke=1, fill=0)
        text = self.c.beginText(x + CHECK + 3.5, baseline)
        if ticked:
            text.setTextOrigin(x + (CHECK - width_of("X", True, 7.6)) / 2, baseline + 0.2)
            text.setFont(BOLD, 7.6)
            text.textOut("X ")
            text.setTextOrigin(x + CHECK + 3.5, baseline)
        label = clean(label)
        text.setFont(REGULAR, BODY)
        text.textOut(label)
        self.c.drawText(text)
        return x + CHECK + 3.5 + width_of(label)

    def checkbox_row(self, label: str, items: Sequence[tuple[str, bool]]) -> None:
        """`label` then its check boxes on the same line, wrapping to indented lines when full."""
        indent = LEFT + PAD + 12
        if width_of(label, True) > WIDTH - 2 * PAD:
            self.paragraph(label, bold=True)
            baseline, x = self.next_line(), indent
        else:
            baseline = self.next_line()
            x = self.text(LEFT + PAD, baseline, label, bold=True) + 8
        for item, ticked in items:
            needed = CHECK + 3.5 + width_of(item) + 14
            if x + needed - 14 > RIGHT - PAD and x > indent:
                baseline, x = self.next_line(), indent
            x = self.checkbox(x, baseline, item, ticked) + 14

    # -- images -------------------------------------------------------------
    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """The QR code of `data`, `size` points wide, lower-left at (x, y).

        Drawn in module units as one filled path of integer rectangles written
        directly, which is ten times cheaper than ~400 reportlab path calls.
        """
        n, path = qr_path(data)
        self.c.saveState()
        self.c.translate(x, y)
        self.c.scale(size / n, size / n)
        self.c.setFillGray(0)
        self.c.addLiteral(path)
        self.c.restoreState()
