"""What every /v1 endpoint shares: API keys, parameters, idempotency, errors, lists.

``endpoint`` wraps a view so that it runs under the store's lock with its
parameters decoded and checked against stripe-python's parameter class, its
idempotency key honoured as Stripe honours it, and its answer (or error)
rendered in Stripe's JSON.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import json
import socket
from collections.abc import Callable, Iterable

import stripe
from flask import Response, current_app, request

from .errors import StripeError, invalid
from .forms import decode_pairs
from .objects import new_id
from .store import created_filter, current_request, missing_cursor, page_limit, paginate
from .validation import validate

PAGINATION = {"limit", "starting_after", "ending_before", "expand", "created"}


def sandbox():
    """The Sandbox of the current app."""
    return current_app.extensions["stripe_sandbox"]


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, indent=2, ensure_ascii=False), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _api_key() -> str:
    """The secret key of the request; 401 in Stripe's words when missing, unknown or live."""
    header = request.headers.get("Authorization", "")
    key = None
    if header.startswith("Bearer "):
        key = header[len("Bearer ") :].strip()
    elif request.authorization and request.authorization.type == "basic":
        key = request.authorization.username  # curl -u sk_test_...:
    if not key:
        raise StripeError(
            "You did not provide an API key. You need to provide your API key in the Authorization "
            "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
            "https://stripe.com/docs/api#authentication for details.",
            status=401,
            saved=False,
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        shown = key[:8] + "*" * 12 + key[-4:] if len(key) > 12 else "*" * len(key)
        hint = " (the sandbox never accepts live keys)" if key.startswith(("sk_live_", "rk_live_")) else ""
        raise StripeError(f"Invalid API Key provided: {shown}{hint}", status=401, code="api_key_invalid", saved=False)
    return key


def _raw_params() -> dict:
    if request.method in ("GET", "DELETE"):
        return decode_pairs(request.args.items(multi=True))
    return decode_pairs(request.form.items(multi=True))


def endpoint(params_cls: type, *, write: bool = False) -> Callable:
    """Decorate a view ``view(params, **path_args) -> dict``."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(**path_args):
            box = sandbox()
            request_id = new_id("req_", 14)
            headers = {
                "Request-Id": request_id,
                "Stripe-Version": request.headers.get("Stripe-Version", stripe.api_version),
            }
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            if key:
                headers["Idempotency-Key"] = key
            with box.store.lock:
                try:
                    _api_key()
                    raw = _raw_params()
                    fingerprint = (request.method, request.path, json.dumps(raw, sort_keys=True))
                    replay = _replay(box, key, fingerprint)
                    if replay is not None:
                        if box.take_lost_answer(request.method, request.path):
                            return _lose_answer()
                        return json_response(
                            replay["body"], replay["status"], {**headers, "Idempotent-Replayed": "true"}
                        )
                    if box.store.public_url is None:
                        box.store.public_url = request.host_url.rstrip("/")
                    box.expire_due()
                    params = validate(raw, params_cls)
                    token = current_request.set((request_id, key))
                    try:
                        result = view(params, **path_args)
                    finally:
                        current_request.reset(token)
                    body = _render(box, result, params.get("expand", []))
                    status = 200
                except StripeError as error:
                    body, status = error.body(), error.status
                    if not error.saved:
                        return json_response(body, status, headers)
                if key:
                    box.store.idempotency[key] = {"fingerprint": fingerprint, "status": status, "body": body}
                lost = box.take_lost_answer(request.method, request.path)
            if lost:
                return _lose_answer()
            return json_response(body, status, headers)

        return run

    return wrap


def _lose_answer() -> Response:
    """Hang up without answering: the request was carried out (and saved under its idempotency
    key) but the client never hears of it, as when a connection drops on the way back."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    # Whatever werkzeug then tries to write fails on the closed connection and is dropped.
    return Response("", status=500)


def _replay(box, key: str | None, fingerprint: tuple) -> dict | None:
    if not key:
        return None
    saved = box.store.idempotency.get(key)
    if saved is None:
        return None
    method, path, params = saved["fingerprint"]
    if (method, path) != fingerprint[:2]:
        raise StripeError(
            f"Keys for idempotent requests can only be used for the same endpoint they were first "
            f"used for ('{method} {path}' vs '{fingerprint[0]} {fingerprint[1]}'). Try using a key "
            f"other than '{key}' if you meant to execute a different request.",
            type="idempotency_error",
            saved=False,
        )
    if params != fingerprint[2]:
        raise StripeError(
            f"Keys for idempotent requests can only be used with the same parameters they were first "
            f"used with. Try using a key other than '{key}' if you meant to execute a different "
            f"request.",
            type="idempotency_error",
            saved=False,
        )
    return saved


def _render(box, result: dict, expand: list) -> dict:
    if result.get("object") == "list":
        for path in expand:
            box.store.expand_in_place(result, path.split("."))
        return result
    return box.store.render(result, expand)


def _refuse_unknown_filters(params: dict, filters: dict) -> None:
    """A list parameter Stripe knows but the sandbox does not filter on is refused, never ignored."""
    for name in params:
        if name not in PAGINATION and name not in filters:
            raise invalid(f"The sandbox does not support filtering this list by {name}.", param=name)


def list_page(items: list, params: dict, url: str, filters: dict[str, Callable[[dict], object]]) -> dict:
    """A newest-first page of ``items`` filtered by the list parameters in ``filters``.

    A list parameter Stripe knows but the sandbox does not filter on is
    refused, so that no caller believes a filter was applied when it was not.
    """
    _refuse_unknown_filters(params, filters)
    selected = [item for item in items if created_filter(params.get("created"), item.get("created", 0))]
    for name, accessor in filters.items():
        if name in params:
            wanted = params[name]
            selected = [item for item in selected if _matches(accessor(item), wanted)]
    selected.reverse()
    return paginate(selected, params, url, sandbox().store.render)


def list_log_page(
    ids: list[str], positions: dict[str, int], objects: dict[str, dict], params: dict, url: str, filters: dict
) -> dict:
    """`list_page` over an append-only log of ids (oldest first), walked from its cursor.

    A page costs the items it passes over, not the whole log: a reader paging
    through 100 000 events does not read them all again for each page. Any
    item of the log is a cursor, as at Stripe, even one the filters leave out.
    """
    _refuse_unknown_filters(params, filters)
    limit = page_limit(params)
    chosen = [(params[name], accessor) for name, accessor in filters.items() if name in params]

    def wanted(item: dict) -> bool:
        return created_filter(params.get("created"), item.get("created", 0)) and all(
            _matches(accessor(item), value) for value, accessor in chosen
        )

    def cursor_at(name: str) -> int:
        position = positions.get(params[name])
        if position is None:
            raise missing_cursor(name, params[name])
        return position

    if params.get("ending_before"):  # the newer ones, nearest the cursor first
        walk: Iterable[int] = range(cursor_at("ending_before") + 1, len(ids))
    else:  # older ones, from the cursor or from the newest
        start = cursor_at("starting_after") - 1 if params.get("starting_after") else len(ids) - 1
        walk = range(start, -1, -1)
    found: list[dict] = []
    for index in walk:
        item = objects[ids[index]]
        if wanted(item):
            found.append(item)
            if len(found) > limit:
                break
    page, has_more = found[:limit], len(found) > limit
    if params.get("ending_before"):
        page.reverse()  # a page is newest first
    render = sandbox().store.render
    return {"object": "list", "data": [render(item) for item in page], "has_more": has_more, "url": url}


def _matches(value, wanted) -> bool:
    if isinstance(wanted, list):
        return value in wanted
    if isinstance(wanted, dict):
        return all(_matches((value or {}).get(k), v) for k, v in wanted.items())
    if isinstance(wanted, str) and "*" in wanted and isinstance(value, str):
        return fnmatch.fnmatchcase(value, wanted)
    return value == wanted


def unrecognized_url() -> Response:
    """Stripe's 404 for a path (or method) it does not serve."""
    return json_response(
        {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                f"https://stripe.com/docs or we can help at https://support.stripe.com/.",
            }
        },
        404,
    )
