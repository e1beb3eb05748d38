"""The receipts and the data model stand without the web framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_receipts_tax_rules_and_models_import_no_web_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, receipts, donations.models, donations.tax, donations.clock\n"
        "for module in pkgutil.iter_modules(receipts.__path__):\n"
        "    importlib.import_module('receipts.' + module.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'flask_sqlalchemy', 'jinja2'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
