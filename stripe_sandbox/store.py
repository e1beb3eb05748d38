"""The sandbox's whole state, in memory, behind one lock.

Objects are plain dicts keyed by id. Everything that changes state (API
calls, hosted pages, control endpoints, SEPA timers) runs while holding
``Store.lock``, so a flow that touches several objects and emits several
events is atomic and events keep their order.
"""

from __future__ import annotations

import contextvars
import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

from .clock import Clock
from .errors import StripeError, invalid, no_such
from .objects import build_event

# (request id, idempotency key) of the API request being served, for event.request.
current_request: contextvars.ContextVar = contextvars.ContextVar("current_request", default=(None, None))

# Fields real Stripe returns only when asked with expand[] (includable fields).
INCLUDABLE = {"charge": ("refunds",), "invoice": ("payments",)}


class Store:
    """All objects, events and idempotency records of one sandbox."""

    def __init__(self, clock: Clock | None = None, public_url: str | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        # Where the hosted pages are reached; learnt from the first API request when not configured.
        self.public_url = public_url.rstrip("/") if public_url else None
        self.listeners: list[Callable[[dict], None]] = []
        # Called with a PaymentIntent id when a SEPA debit starts processing (to schedule its settlement).
        self.processing_hooks: list[Callable[[str], None]] = []
        self.webhooks_enabled = False
        self._clear()

    def _clear(self) -> None:
        self.objects: dict[str, dict] = {}
        self.by_type: dict[str, list[str]] = defaultdict(list)
        self.events: list[str] = []
        self.event_positions: dict[str, int] = {}  # an event's place in `events`: a list page starts there
        self.idempotency: dict[str, dict] = {}
        # Sandbox-only facts never shown through the API (a card's test behaviour, a SEPA timer...).
        self.private: dict[str, dict] = defaultdict(dict)
        self.generation = getattr(self, "generation", 0) + 1

    def reset(self) -> None:
        """Forget every object, event and idempotency key; the clock goes back to wall time."""
        with self.lock:
            self._clear()
            self.clock.reset()

    # -- objects -----------------------------------------------------------------
    def add(self, obj: dict) -> dict:
        """Store a new object (its ``object`` field names its type)."""
        with self.lock:
            self.objects[obj["id"]] = obj
            self.by_type[obj["object"]].append(obj["id"])
            return obj

    def find(self, object_id: str | None) -> dict | None:
        return self.objects.get(object_id) if object_id else None

    def get(self, object_id: str, object_type: str, param: str = "id") -> dict:
        """The stored object, or Stripe's 404 ``No such <type>``."""
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise no_such(object_type, object_id, param)
        return obj

    def all(self, object_type: str) -> list[dict]:
        """Objects of one type, oldest first."""
        return [self.objects[i] for i in self.by_type.get(object_type, [])]

    # -- events ------------------------------------------------------------------
    def emit(self, event_type: str, obj: dict, previous_attributes: dict | None = None) -> dict:
        """Record an event with a snapshot of ``obj`` and hand it to the webhook listeners."""
        with self.lock:
            request_id, idempotency_key = current_request.get()
            event = build_event(
                created=self.clock.now(),
                event_type=event_type,
                data_object=self.render(obj),
                previous_attributes=previous_attributes,
                pending_webhooks=1 if self.webhooks_enabled else 0,
                request_id=request_id,
                idempotency_key=idempotency_key,
            )
            self.log_event(event)
            for listener in self.listeners:
                listener(copy.deepcopy(event))
            return event

    def log_event(self, event: dict) -> None:
        """Keep a built event, last in Stripe's order (`emit` builds and sends; a bench or test may log its own)."""
        with self.lock:
            self.add(event)
            self.event_positions[event["id"]] = len(self.events)
            self.events.append(event["id"])

    def event_delivered(self, event_id: str) -> None:
        with self.lock:
            event = self.objects.get(event_id)
            if event and event["pending_webhooks"] > 0:
                event["pending_webhooks"] -= 1

    # -- output ------------------------------------------------------------------
    def render(self, obj: dict, expand: Iterable[str] = ()) -> dict:
        """A deep copy as the API shows it: includable fields dropped unless expanded."""
        with self.lock:
            out = copy.deepcopy(obj)
            for field in INCLUDABLE.get(out.get("object"), ()):  # type: ignore[arg-type]
                out.pop(field, None)
            for path in expand:
                self._expand(out, path.split("."), path)
            return out

    def expand_in_place(self, node: dict, parts: list[str]) -> None:
        """Apply one ``expand[]`` path to an already rendered object or list page."""
        with self.lock:
            self._expand(node, parts, ".".join(parts))

    def _expand(self, node: dict, parts: list[str], path: str) -> None:
        if node.get("object") == "list" and parts[0] == "data":
            for item in node["data"]:
                if parts[1:]:
                    self._expand(item, parts[1:], path)
            return
        key = parts[0]
        if key in INCLUDABLE.get(node.get("object"), ()) or (  # type: ignore[arg-type]
            key == "line_items"  # type: ignore[arg-type]
            and node.get("object") == "checkout.session"
        ):
            node[key] = self.included_list(node, key)
        elif isinstance(node.get(key), str) and node[key] in self.objects:
            node[key] = self.render(self.objects[node[key]])
        elif key not in node or (node[key] is not None and not isinstance(node[key], dict)):
            raise invalid(f"This property cannot be expanded ({key}).", param="expand")
        if parts[1:] and isinstance(node.get(key), dict):
            self._expand(node[key], parts[1:], path)

    def included_list(self, owner: dict, field: str) -> dict:
        """The list object of an includable field, built from the stored objects."""
        kind = owner["object"]
        if kind == "charge":
            data = [r for r in reversed(self.all("refund")) if r["charge"] == owner["id"]]
            url = f"/v1/charges/{owner['id']}/refunds"
        elif kind == "invoice":
            data = [p for p in self.all("invoice_payment") if p["invoice"] == owner["id"]]
            url = f"/v1/invoice_payments?invoice={owner['id']}"
        else:
            data = self.private[owner["id"]].get("line_items", [])
            url = f"/v1/checkout/sessions/{owner['id']}/line_items"
        return {
            "object": "list",
            "data": [self.render(d) for d in data],
            "has_more": False,
            "total_count": len(data),
            "url": url,
        }


def paginate(items: list[dict], params: dict, url: str, render: Callable[[dict], dict]) -> dict:
    """A Stripe list page over ``items`` (already newest first).

    ``starting_after`` walks to older items, ``ending_before`` to newer ones;
    ``has_more`` says whether the walk can go on in that direction.
    """
    limit = page_limit(params)
    ids = [item["id"] for item in items]
    if params.get("starting_after"):
        cursor = params["starting_after"]
        if cursor not in ids:
            raise missing_cursor("starting_after", cursor)
        rest = items[ids.index(cursor) + 1 :]
        page, has_more = rest[:limit], len(rest) > limit
    elif params.get("ending_before"):
        cursor = params["ending_before"]
        if cursor not in ids:
            raise missing_cursor("ending_before", cursor)
        before = items[: ids.index(cursor)]
        page, has_more = before[-limit:], len(before) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return {"object": "list", "data": [render(item) for item in page], "has_more": has_more, "url": url}


def page_limit(params: dict) -> int:
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise invalid("Invalid limit: must be between 1 and 100", param="limit")
    return limit


def missing_cursor(name: str, cursor: str) -> StripeError:
    return StripeError(f"No such object: '{cursor}'", status=404, param=name, code="resource_missing")


def created_filter(created, value: int) -> bool:
    """Whether ``value`` passes a ``created`` filter (an int or {gt, gte, lt, lte})."""
    if created is None:
        return True
    if isinstance(created, int):
        return value == created
    checks = {
        "gt": value > created.get("gt", value - 1),
        "gte": value >= created.get("gte", value),
        "lt": value < created.get("lt", value + 1),
        "lte": value <= created.get("lte", value),
    }
    return all(checks.values())
