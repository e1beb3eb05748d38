"""Stripe's own example objects (../shared/stripe/fixtures3.json, never copied in) and a field by
field comparison of the sandbox's objects with them."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "stripe" / "fixtures3.json"

# Where Stripe's example holds an object of another type than ours would (a polymorphic slot).
NOT_COMPARED = {"data.object"}
# Keys of Stripe's examples that the pinned API version no longer has (stripe-python's typed
# resource has no such field): an invoice's legacy top-level `subscription` (now under `parent`).
ABSENT_FROM_PINNED_VERSION = {"invoice": {"subscription"}}


def pinned(example: dict, object_type: str) -> dict:
    """Stripe's example without the keys the pinned version dropped."""
    return {k: v for k, v in example.items() if k not in ABSENT_FROM_PINNED_VERSION.get(object_type, ())}


T = 1_767_225_600


def _kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def differences(expected, ours, path: str = "") -> list[str]:
    """Human-readable gaps between Stripe's example ``expected`` and ``ours``."""
    # metadata holds the integration's own keys, not Stripe's fields: only its type is compared.
    if path in NOT_COMPARED or expected is None or ours is None:
        return []
    if path.split(".")[-1] == "metadata":
        return [] if isinstance(ours, dict) else [f"{path}: metadata is not an object"]
    if _kind(expected) != _kind(ours):
        return [f"{path or '<top>'}: Stripe has {_kind(expected)}, ours is {_kind(ours)}"]
    found = []
    if isinstance(expected, dict):
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else key
            if key not in ours:
                found.append(f"{sub}: missing")
            else:
                found.extend(differences(value, ours[key], sub))
    elif isinstance(expected, list) and expected and ours and isinstance(expected[0], dict):
        found.extend(differences(expected[0], ours[0], f"{path}[0]"))
    return found
