"""Every user-facing string exists in French (the English is the source)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def _french_catalog():  # type: ignore[no-untyped-def]
    with CATALOG.open("rb") as f:
        return read_po(f, locale="fr")


def test_every_french_entry_is_translated_and_not_fuzzy() -> None:
    untranslated = [m.id for m in _french_catalog() if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_every_string_in_the_code_is_in_the_french_catalogue(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "for_the_catalogue",
            "-o",
            str(pot),
            "--no-location",
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        from babel.messages.pofile import read_po as read

        wanted = {m.id for m in read(f) if m.id}
    known = {m.id for m in _french_catalog() if m.id and m.string}
    assert sorted(map(str, wanted - known)) == []
