"""Text and JSON the service can store: no NUL byte, control character or lone surrogate; JSON that
parses, stays within a depth and holds only numbers a database can keep. Flask-free: used by the
request check (`donations.platform.input_checks`) and by the check of Stripe's events (`donations.fulfilment.event_shape`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

# NUL and the C0 controls but tab, LF and CR; DEL; the surrogates, which cannot be encoded in UTF-8.
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# How json.dumps writes the characters of UNSAFE_TEXT (it escapes controls and surrogates, keeps DEL as is);
# an escaped backslash before "u0000" matches too, and is then cleared by the exact walk.
_ESCAPED_UNSAFE = re.compile(r"\\u00[01][0-9a-f]|\\u007f|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\[bf]|\x7f")
# Deeper than this a JSON body is refused (Stripe's events nest about 6 levels; parsers recurse once a level).
MAX_JSON_DEPTH = 64


def has_unsafe_text(text: str) -> bool:
    """Whether `text` holds a character no field of the service accepts (NUL, controls, surrogates)."""
    return UNSAFE_TEXT.search(text) is not None


def _nests_deeper_than(document: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels, walked level by level (no recursion)."""
    level, depth = [document], 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper: list[Any] = []
        for item in level:
            for value in item.values() if isinstance(item, dict) else item:
                if isinstance(value, (dict, list)):
                    deeper.append(value)
        level = deeper
    return False


def _texts(document: Any) -> Iterator[str]:
    """Every string of a parsed JSON document, keys included, walked without recursion."""
    waiting = [document]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)


def parse_json(body: bytes | str) -> Any:
    """The JSON document of `body`; ValueError when it is not JSON (NaN, Infinity and numbers too large for a
    float included) or nests past the parser's recursion."""
    try:
        return json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError as error:
        raise ValueError("the JSON document nests too deep") from error


def _no_constant(name: str) -> float:
    # NaN and Infinity are not JSON: PostgreSQL's json type refuses them when the document is stored.
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e400: a float too large, stored as Infinity
        raise ValueError(f"{text[:20]} is too large a number")
    return number


def json_problem(document: Any) -> str | None:
    """Why a parsed JSON document cannot be used (too deep, or unusable text in a string or key), or None.

    Too deep a document is refused even when it parsed: storing or answering it
    would recurse again, deeper in the stack. Webhook events come by the
    hundred, so their text is first looked at as JSON text (one C-speed dump and
    one regex); only a document that looks suspicious there is walked string by
    string.
    """
    if isinstance(document, (dict, list)) and _nests_deeper_than(document, MAX_JSON_DEPTH):
        return f"the JSON document nests deeper than {MAX_JSON_DEPTH} levels"
    if _ESCAPED_UNSAFE.search(json.dumps(document)) and any(has_unsafe_text(text) for text in _texts(document)):
        return "the JSON document holds a NUL byte, a control character or a lone surrogate"
    return None


def parse_json_safely(body: bytes | str) -> Any:
    """The JSON document of `body`; ValueError when it is not JSON, nests too deep, or holds unusable text."""
    document = parse_json(body)
    problem = json_problem(document)
    if problem:
        raise ValueError(problem)
    return document


def is_form_like(document: Any) -> bool:
    """Whether a JSON document can stand for a form: an object of texts or lists of texts.

    Flask-WTF reads a JSON body as the form's fields: anything else (a list, a
    number, a nested object) would reach the fields as values no field expects.
    """
    return isinstance(document, dict) and all(
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value))
        for value in document.values()
    )
