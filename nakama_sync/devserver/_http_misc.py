"""Match listing (``GET /v2/match``), in-app purchases and subscriptions (``/v2/iap/...``) and events
(``POST /v2/event``).

The dev server has no store credentials, so every purchase/subscription validation answers as a Nakama
without them: 400 FailedPrecondition ``<Store> IAP is not configured.`` (400 InvalidArgument first
when a required field is empty). ``GET /v2/iap/subscription/{id}`` is 404 and the list is empty.
Matches come from ``hub.matches.list_matches()`` (relayed and, when present, authoritative ones).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._apiutil import limit_param
from ._http import FAILED_PRECONDITION, INVALID_ARGUMENT, NOT_FOUND, ApiFailure, ApiRequest
from ._mm_query import QueryError, label_fields, parse_query

if TYPE_CHECKING:
    from ._hub import Hub

# route -> (required body fields with their error text, store name)
# store -> (required fields and their messages, the store's name); Nakama 3.40 checks the input first
# for Apple and Samsung purchases, and the store's configuration first everywhere else.
_PURCHASES = {
    "apple": ((("receipt", "Receipt cannot be empty."),), "Apple"),
    "google": ((), "Google"),
    "huawei": ((), "Huawei"),
    "facebookinstant": ((), "Facebook Instant"),
    "samsung": ((("purchase_id", "Purchase ID cannot be empty."),), "Samsung"),
}
_SUBSCRIPTIONS = {
    "apple": ((), "Apple"),
    "google": ((), "Google"),
}


def install(hub: Hub) -> None:
    def list_matches(req: ApiRequest) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit"), 10, 1, 100)
        authoritative = req.q_bool("authoritative")
        label, query = req.q("label"), req.q("query")
        if authoritative is False and label:
            raise ApiFailure(INVALID_ARGUMENT, "Label filtering is not supported for non-authoritative matches.")
        if authoritative is False and query:
            raise ApiFailure(INVALID_ARGUMENT, "Query filtering is not supported for non-authoritative matches.")
        min_size, max_size = req.q_int("min_size"), req.q_int("max_size")
        if min_size is not None and min_size < 0:
            raise ApiFailure(INVALID_ARGUMENT, "Minimum size must be 0 or above.")
        if max_size is not None and max_size < 0:
            raise ApiFailure(INVALID_ARGUMENT, "Maximum size must be 0 or above.")
        if min_size is not None and max_size is not None and max_size < min_size:
            raise ApiFailure(INVALID_ARGUMENT, "Maximum size must be greater than or equal to minimum size when both"
                                               " are specified.")
        if max_size == 0:   # Nakama 3.40 lists as if no maximum were given
            max_size = None
        parsed = None
        if query and query != "*":
            try:
                parsed = parse_query(query)
            except QueryError as exc:
                raise ApiFailure(INVALID_ARGUMENT, f"Error listing matches: {exc}") from exc
        registry = getattr(hub, "matches", None)
        found = list(registry.list_matches()) if registry is not None else []
        out = []
        for m in found:
            is_auth = bool(m.get("authoritative"))
            size = int(m.get("size") or 0)
            if authoritative is not None and is_auth != authoritative:
                continue
            if (label or query) and not is_auth:
                continue
            if label and m.get("label") != label:
                continue
            if parsed is not None and parsed.score(*label_fields(m.get("label") or ""), prefix="label.") is None:
                continue
            if min_size is not None and size < min_size:
                continue
            if max_size is not None and size > max_size:
                continue
            wire: dict[str, Any] = {"match_id": m["match_id"]}
            if is_auth:
                wire["authoritative"] = True
                if m.get("label"):
                    wire["label"] = m["label"]
            if size:
                wire["size"] = size
            if is_auth:
                for key in ("tick_rate", "handler_name"):
                    if m.get(key):
                        wire[key] = m[key]
            out.append(wire)
            if len(out) >= limit:
                break
        return {"matches": out} if out else {}

    def validator(fields: tuple[tuple[str, str], ...], store: str) -> Any:
        def handler(req: ApiRequest) -> dict[str, Any]:
            body = req.body()
            for name, message in fields:
                if not body.get(name):
                    raise ApiFailure(INVALID_ARGUMENT, message)
            raise ApiFailure(FAILED_PRECONDITION, f"{store} IAP is not configured.")
        return handler

    def list_subscriptions(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        limit = body.get("limit")
        if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 100):
            raise ApiFailure(INVALID_ARGUMENT, "Invalid limit - limit must be between 1 and 100.")
        if body.get("cursor"):   # the dev server never hands out one: Nakama's answer to a bad one
            raise ApiFailure(2, "subscriptions list cursor invalid")
        return {}

    def get_subscription(req: ApiRequest) -> dict[str, Any]:
        if "\x00" in req.match_info["product_id"]:   # Nakama hands back Postgres's own refusal (gRPC Unknown)
            raise ApiFailure(2, 'ERROR: invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)')
        raise ApiFailure(NOT_FOUND, "subscription not found")

    def event(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        properties = body.get("properties")
        if properties is not None and (not isinstance(properties, dict)
                                       or not all(isinstance(v, str) for v in properties.values())):
            raise ApiFailure(INVALID_ARGUMENT, "invalid value for properties: values must be strings")
        return {}

    hub.routes.add("GET", "/v2/match", list_matches)
    for store, (fields, name) in _PURCHASES.items():
        hub.routes.add("POST", f"/v2/iap/purchase/{store}", validator(fields, name))
    for store, (fields, name) in _SUBSCRIPTIONS.items():
        hub.routes.add("POST", f"/v2/iap/subscription/{store}", validator(fields, name))
    hub.routes.add("POST", "/v2/iap/subscription", list_subscriptions)
    hub.routes.add("GET", "/v2/iap/subscription/{product_id}", get_subscription)
    hub.routes.add("POST", "/v2/event", event)
