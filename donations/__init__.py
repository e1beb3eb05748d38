"""The donation service.

`create_app()` builds the Flask application. The package itself imports no
web framework, so that the data model (`donations.models`), the tax rules
(`donations.tax`) and the receipts (`receipts/`) can be used without Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application (see `donations.app.create_app`)."""
    from donations.app import create_app as build

    return build(config)
