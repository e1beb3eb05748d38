"""Fill the French catalogue from a Python dict of msgid -> French text.

Usage: python translations/fill.py FILE.py   (FILE defines FR = {...})
Only empty entries are filled; existing translations are kept.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).parent / "fr" / "LC_MESSAGES" / "messages.po"


def main(source: str) -> None:
    french = runpy.run_path(source)["FR"]
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="fr")
    for message in catalog:
        empty = not message.string or (isinstance(message.string, tuple) and not any(message.string))
        if message.id and empty and message.id in french:
            message.string = french[message.id]
            message.flags.discard("fuzzy")
    with CATALOG.open("wb") as f:
        write_po(f, catalog, width=100)
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    print(f"{len(missing)} untranslated", *missing, sep="\n")


if __name__ == "__main__":
    main(sys.argv[1])
