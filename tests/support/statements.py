"""Counting the SQL statements a request makes (SQLAlchemy's cursor events on the app's engine)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask

from donations.extensions import db


@contextlib.contextmanager
def statements_of(app: Flask) -> Iterator[list[str]]:
    """The statements run on the app's database while the block runs (SAVEPOINTs and the like included)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
