"""Dev server route: RPC over HTTP, ``GET|POST /v2/rpc/{id}`` (Nakama's own RPC handler, not
the gateway).

Auth: ``?http_key=`` first, else ``Authorization: Basic <http_key>:`` or ``Bearer <session>``. The body
is a JSON string holding the payload, or (with ``?unwrap``) the payload itself, and so is the reply.
Errors use the RPC handler's own shape ``{"error", "message", "code"}``.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._http import (
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    UNAUTHENTICATED,
    ApiRequest,
    _basic_user,
    json_response,
)
from ._hub import RpcContext
from ._runtime import RuntimeFunctionError

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install"]

_GO_TYPES = {dict: "object", list: "array", bool: "bool", int: "number", float: "number"}


def _error(code: int, message: str, request: web.Request, error: Any = None) -> web.Response:
    from ._http import HTTP_STATUS
    if error is None:
        body = {"error": message, "message": message, "code": code}
    else:   # a raising function: Nakama writes code first and an empty error object
        body = {"code": code, "error": error, "message": message}
    return json_response(body, HTTP_STATUS.get(code, 500), request)


def install(hub: Hub) -> None:
    def rpc(req: ApiRequest) -> web.Response:
        request = req.request
        ctx_user: dict[str, Any] = {}
        http_key = req.query.get("http_key")
        header = request.headers.get("Authorization", "")
        if http_key is not None:
            if http_key != hub.config.http_key:
                return _error(UNAUTHENTICATED, "HTTP key invalid", request)
        elif header.startswith("Basic "):
            if _basic_user(request) != hub.config.http_key:
                return _error(UNAUTHENTICATED, "HTTP key invalid", request)
        elif header.startswith("Bearer "):
            claims = hub.verify_session_token(header[7:])
            if claims is None:
                return _error(UNAUTHENTICATED, "Auth token invalid", request)
            vars_ = claims.get("vrs") if isinstance(claims.get("vrs"), dict) else {}
            ctx_user = {"user_id": claims["uid"], "username": str(claims.get("usn", "")), "vars": vars_,
                        "expiry": int(claims.get("exp", 0))}
        else:
            return _error(UNAUTHENTICATED, "Auth token or HTTP key required", request)

        fn = hub.rpcs.get(req.match_info.get("id", "").lower())
        if fn is None:
            return _error(NOT_FOUND, "RPC function not found", request)

        unwrap = "unwrap" in req.query
        raw = req.raw_body
        if unwrap:
            payload = raw.decode("utf-8", errors="replace")
        elif not raw.strip():
            payload = ""
        else:
            try:
                decoded = json.loads(raw)
            except ValueError as exc:
                return _error(INVALID_ARGUMENT, f"invalid character in request body: {exc}", request)
            if not isinstance(decoded, str):
                kind = _GO_TYPES.get(type(decoded), "value")
                message = f"json: cannot unmarshal {kind} into Go value of type string"
                return _error(INVALID_ARGUMENT, message, request)
            payload = decoded

        query = {key: req.query.getall(key) for key in req.query if key not in ("http_key", "unwrap")}
        ctx = RpcContext(hub.server, query=query, **ctx_user)
        try:
            result = fn(ctx, payload)
        except Exception as exc:  # noqa: BLE001 - the error goes back to the caller, as in Nakama
            hub.log.debug("rpc %s raised %r", req.match_info.get("id"), exc)
            code = exc.code if isinstance(exc, RuntimeFunctionError) else INTERNAL   # runtime.NewError's code
            return _error(code, str(exc) or type(exc).__name__, request, error={})
        text = "" if result is None else str(result)
        if unwrap:
            return json_response(text, 200, request)
        return json_response({"payload": text}, 200, request)

    for method in ("GET", "POST"):
        hub.routes.add(method, "/v2/rpc/{id}", rpc, auth="rpc")
