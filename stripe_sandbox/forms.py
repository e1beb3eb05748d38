"""Decoding of Stripe's form encoding: ``a[b][0][c]=v`` into nested dicts.

stripe-python sends every array with explicit indexes (``expand[0]``) and
every hash with bracketed keys; curl users also send ``expand[]``. Indexed
segments stay dict keys here ("0", "1"): only the parameter schema knows
whether ``metadata[0]`` is a hash key or an array index, so validation turns
them into lists where the schema says List.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def split_key(key: str) -> list[str]:
    """``"line_items[0][price_data][currency]"`` -> ``["line_items", "0", "price_data", "currency"]``."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    rest = "[" + rest
    parts = [head]
    pos = 0
    for match in _SEGMENT.finditer(rest):
        if match.start() != pos:
            # Unbalanced brackets: keep the raw key so validation reports it as unknown.
            return [key]
        parts.append(match.group(1))
        pos = match.end()
    if pos != len(rest):
        return [key]
    return parts


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict:
    """Build the nested parameter tree from ordered (key, value) pairs."""
    tree: dict = {}
    for key, value in pairs:
        parts = split_key(key)
        node = tree
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "" and i > 0:
                # "expand[]": append with the next free index.
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return tree
