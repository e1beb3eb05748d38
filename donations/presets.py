"""The preset amounts of the widget and of campaigns, in cents, from their setting's text ("30,50,100")."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=64)
def _preset_cents(text: str) -> tuple[int, ...]:
    from donations.money import parse_euros

    return tuple(parse_euros(part) for part in text.split(",") if part.strip())


def parse_presets(text: str) -> list[int]:
    """Preset amounts of the widget, in cents, from "30,50,100"."""
    return list(_preset_cents(text))
