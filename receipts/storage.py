"""Where receipt PDFs are kept, and how they are found again.

A receipt's PDF is stored under its year and number. The database keeps its
sha256; a file that is missing (a lost disk, a new server) is drawn again
from the receipt's snapshot and must hash the same.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReceiptStore:
    """PDF files in a directory (local, or a shared mount for several servers)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path_for(self, number: str) -> Path:
        year = number.split("-", 1)[0]
        return self.directory / year / f"{number}.pdf"

    def save(self, number: str, pdf: bytes) -> Path:
        """Write the PDF atomically (a reader never sees half a file)."""
        path = self.path_for(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as tmp:
            tmp.write(pdf)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
        return path

    def load(self, number: str) -> bytes | None:
        """The stored PDF, or None when there is no file."""
        try:
            return self.path_for(number).read_bytes()
        except FileNotFoundError:
            return None
