"""Parameter checking against stripe-python's own typed parameter classes.

``stripe.params`` holds, for every endpoint, a TypedDict whose annotations
(nested TypedDicts, Lists, Literals, Unions) list every key Stripe accepts in
the pinned API version. Walking them lets the sandbox refuse what real Stripe
refuses ("Received unknown parameter: ...") without a hand-kept list that
would drift, and turn form strings into ints, booleans and lists.
"""

from __future__ import annotations

import functools
import re
import sys
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any, ForwardRef, Literal, Union, get_args, get_origin

from stripe._request_options import RequestOptions
from stripe._stripe_object import UntypedStripeObject

from .errors import StripeError, invalid, missing_parameter, unknown_parameter

_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
_INT = re.compile(r"-?\d+\Z")
_WRAPPERS = {typing.NotRequired, typing.Required}


class _Mismatch(Exception):
    """A value that does not fit one alternative of a Union (not yet an API error)."""

    def __init__(self, error: StripeError, shape_matched: bool):
        super().__init__(error.message)
        self.error = error
        self.shape_matched = shape_matched


def _resolve(tp: Any, namespace: dict) -> Any:
    # The generated classes annotate with strings ("Literal['']|FooParams") and
    # ForwardRefs; evaluate them in the module that defines the class.
    if isinstance(tp, str):
        return eval(tp, namespace)
    if isinstance(tp, ForwardRef):
        return eval(tp.__forward_arg__, namespace)
    return tp


@functools.cache
def fields_of(cls: type) -> tuple[dict, frozenset]:
    """Resolved field types and required keys of a parameter TypedDict."""
    namespace = vars(sys.modules[cls.__module__])
    fields = {}
    for name, tp in cls.__annotations__.items():
        if name in _OPTION_KEYS and tp is RequestOptions.__annotations__[name]:
            continue  # client-side request options, never sent as parameters
        tp = _resolve(tp, namespace)
        while get_origin(tp) in _WRAPPERS:
            tp = _resolve(get_args(tp)[0], namespace)
        fields[name] = _deep_resolve(tp, namespace)
    return fields, frozenset(cls.__required_keys__)  # type: ignore[attr-defined]


def _deep_resolve(tp: Any, namespace: dict) -> Any:
    """Resolve forward references inside Union/List/Dict arguments."""
    tp = _resolve(tp, namespace)
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return Union[tuple(_deep_resolve(a, namespace) for a in get_args(tp))]  # noqa: UP007  (a union built at run time)
    if origin is list:
        return list[_deep_resolve(get_args(tp)[0], namespace)]  # type: ignore[misc]
    return tp


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def _shape(tp: Any) -> str:
    """'hash', 'array' or 'scalar': what form-encoded shape the type expects."""
    origin = get_origin(tp)
    if _is_typeddict(tp) or origin is dict or tp is dict or origin is UntypedStripeObject or tp is UntypedStripeObject:
        return "hash"
    if origin is list:
        return "array"
    return "scalar"


def validate(params: dict, cls: type, *, prefix: str = "") -> dict:
    """Check and coerce ``params`` (from forms.decode_pairs) against ``cls``.

    Raises StripeError (400, not saved for idempotency) on an unknown key, a
    missing required key or a value of the wrong type.
    """
    try:
        return _typed_dict(params, cls, prefix, top=True)
    except _Mismatch as mismatch:
        raise mismatch.error from None


def _path(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _typed_dict(value: Any, cls: type, path: str, top: bool = False) -> dict:
    if not isinstance(value, dict):
        raise _Mismatch(invalid("Invalid object", param=path, saved=False), False)
    fields, required = fields_of(cls)
    out = {}
    for key, sub in value.items():
        if key not in fields:
            raise _Mismatch(unknown_parameter(_path(path, key)), True)
        out[key] = _value(sub, fields[key], _path(path, key))
    for key in required:
        if key not in value and key in fields:
            raise _Mismatch(missing_parameter(_path(path, key)), True)
    return out


def _value(value: Any, tp: Any, path: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return _union(value, get_args(tp), path)
    if _is_typeddict(tp):
        return _typed_dict(value, tp, path)
    if origin is list:
        return _list(value, get_args(tp)[0], path)
    if _shape(tp) == "hash":
        return _string_hash(value, path)
    if origin is Literal:
        allowed = get_args(tp)
        if value in allowed:
            return value
        shown = ", ".join(repr(a) for a in allowed)
        raise _Mismatch(
            invalid(f"Invalid {path}: must be one of {shown}", param=path, saved=False), isinstance(value, str)
        )
    return _scalar(value, tp, path)


def _union(value: Any, alternatives: tuple, path: str) -> Any:
    # Try the alternatives whose shape fits the value first, so the error
    # reported is the one a person would expect (e.g. an unknown nested key).
    value_is_hash = isinstance(value, dict)

    def rank(alternative: Any) -> int:
        fits = _shape(alternative) != "scalar" if value_is_hash else _shape(alternative) == "scalar"
        return 0 if fits else 1

    ordered = sorted(alternatives, key=rank)
    best: _Mismatch | None = None
    for alternative in ordered:
        try:
            return _value(value, alternative, path)
        except _Mismatch as mismatch:
            if best is None or (mismatch.shape_matched and not best.shape_matched):
                best = mismatch
    assert best is not None
    raise best


def _list(value: Any, item_tp: Any, path: str) -> list:
    if isinstance(value, list):
        items = list(enumerate(value))
    elif isinstance(value, dict) and all(k.isdigit() for k in value):
        items = sorted(((int(k), v) for k, v in value.items()), key=lambda kv: kv[0])
    else:
        raise _Mismatch(invalid("Invalid array", param=path, saved=False), isinstance(value, dict))
    return [_value(v, item_tp, f"{path}[{i}]") for i, v in items]


def _string_hash(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _Mismatch(invalid("Invalid object", param=path, saved=False), False)
    for key, sub in value.items():
        if not isinstance(sub, str):
            raise _Mismatch(
                invalid(f"Invalid value for {path}[{key}]: must be a string", param=f"{path}[{key}]", saved=False), True
            )
    return dict(value)


def _scalar(value: Any, tp: Any, path: str) -> Any:
    if isinstance(value, dict):
        raise _Mismatch(invalid(f"Invalid {_name(tp)}", param=path, saved=False), False)
    if tp is bool:
        if value in ("true", "false"):
            return value == "true"
        raise _Mismatch(invalid(f"Invalid boolean: {value}", param=path, saved=False), True)
    if tp is int:
        if isinstance(value, str) and _INT.match(value):
            return int(value)
        raise _Mismatch(invalid(f"Invalid integer: {value}", param=path, saved=False), True)
    if tp is float:
        try:
            return float(value)
        except ValueError:
            raise _Mismatch(invalid(f"Invalid decimal: {value}", param=path, saved=False), True) from None
    if tp is Decimal:
        try:
            return Decimal(value)
        except InvalidOperation:
            raise _Mismatch(invalid(f"Invalid decimal: {value}", param=path, saved=False), True) from None
    return value


def _name(tp: Any) -> str:
    return {int: "integer", bool: "boolean", float: "decimal", str: "string"}.get(tp, "value")
