"""How a receipt snapshot's parts read back from JSON: the checks every part shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any


def fields_of(mentions: Any) -> dict[str, Any]:
    """A dataclass of plain values (texts, dates, flags) as a dict: what `asdict` gives, without its deep copy."""
    return {f.name: getattr(mentions, f.name) for f in fields(mentions)}


def known(cls: type, data: Mapping[str, Any], what: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a JSON object")
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    unknown, missing = set(data) - names, required - set(data)
    if unknown or missing:
        raise ValueError(f"{what}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
    return dict(data)


def iso(value: Any, name: str) -> dt.date:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an ISO date string")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{name} is not an ISO date: {value!r}") from error
