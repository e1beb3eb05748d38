"""Reading what finance downloads: a ZIP's index."""

from __future__ import annotations

import csv
import io
import zipfile


def index_of(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"), newline=""), delimiter=";"))
