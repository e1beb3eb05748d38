"""What a tax receipt can print: the characters of its font, and how wide a value may be.

The forms that collect what a receipt prints (the donation form, the donor
portal's address) ask these questions, so that every value they accept prints
legibly on the one-page Cerfa: no blank or empty box in place of a letter,
and no value wider than the layout was measured for.
"""

from __future__ import annotations

import functools
import unicodedata

from reportlab.pdfbase.ttfonts import TTFont

from receipts.document.layout import FONTS_DIR, register_fonts, width_of

__all__ = ["WIDEST_LETTER", "fits_receipt", "unprintable_characters"]

# Categories that print nothing a reader could check: controls, format characters (zero-width joiners,
# soft hyphens), private use, surrogates, unassigned, line and paragraph separators.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
# Right-to-left scripts would print letter by letter, left to right and unjoined: unreadable.
_RIGHT_TO_LEFT = {"R", "AL", "AN"}
# The values' width budget is counted in this letter, the widest of the Latin alphabet.
WIDEST_LETTER = "W"


@functools.cache
def _font_characters() -> frozenset[int]:
    """The code points both receipt fonts (regular and bold) have a glyph for."""
    regular = TTFont("printable-regular", str(FONTS_DIR / "DejaVuSans.ttf")).face.charToGlyph
    bold = TTFont("printable-bold", str(FONTS_DIR / "DejaVuSans-Bold.ttf")).face.charToGlyph
    return frozenset(regular) & frozenset(bold)


def _printable(char: str) -> bool:
    if char == " ":
        return True
    if unicodedata.category(char) in _INVISIBLE or unicodedata.bidirectional(char) in _RIGHT_TO_LEFT:
        return False
    return ord(char) in _font_characters()


def _shown(char: str) -> str:
    """A character as an error message names it: itself, or its code point when it shows nothing."""
    return f"« {char} »" if unicodedata.category(char) not in _INVISIBLE else f"U+{ord(char):04X}"


def unprintable_characters(text: str) -> list[str]:
    """The distinct characters of `text` the receipt cannot print, as a message shows them (in order)."""
    found: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if not _printable(char) and _shown(char) not in found:
            found.append(_shown(char))
    return found


def fits_receipt(text: str, characters: int) -> bool:
    """Whether `text` prints no wider than `characters` of the widest letter (the layout's budget).

    The receipt's layout is checked with values of that many "W": any value
    no wider fits its box (long words are cut, the type set smaller).
    """
    register_fonts()
    return width_of(unicodedata.normalize("NFC", text), False, 10.0) <= characters * width_of(
        WIDEST_LETTER, False, 10.0
    )
