"""The HTTP side of the dev server: a route table, request parsing, auth schemes, Nakama's error bodies.

Feature modules add routes with ``hub.routes.add(method, path, handler, auth=...)``. A handler is a plain
function ``handler(req: ApiRequest) -> dict | web.Response`` running on the event-loop thread; it
raises :class:`ApiFailure` for an error reply. A dict reply is sent as JSON with status 200.

Auth schemes (PROTOCOL.md §1.3): ``"basic"`` (server key), ``"bearer"`` (session token), ``"none"``,
and ``"rpc"`` (http_key query or Basic, else a bearer token; handled by the RPC route itself).
"""
from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiMapping

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = [
    "HTTP_STATUS",
    "ApiFailure",
    "ApiRequest",
    "Handler",
    "RouteTable",
    "compact",
    "error_response",
    "json_response",
]

# gRPC code -> HTTP status, as grpc-gateway maps them (PROTOCOL.md §1.4)
HTTP_STATUS = {0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409,
               11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}

# gRPC codes by name, for readability in handlers
INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED = 3, 5, 6, 7
FAILED_PRECONDITION, ABORTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 9, 10, 12, 13, 14, 16

_NO_CACHE = "no-store, no-cache, must-revalidate"


class ApiFailure(Exception):
    """Raise in a handler to answer ``{"code": code, "message": message}`` with the mapped HTTP status.

    ``extra`` adds keys to the body (the RPC handler's ``error`` key); ``status`` overrides the status.
    """

    def __init__(self, code: int, message: str, *, extra: dict[str, Any] | None = None,
                 status: int | None = None, www_authenticate: bool | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra
        self.status = status if status is not None else HTTP_STATUS.get(code, 500)
        # grpc-gateway adds WWW-Authenticate on code 16; the RPC handler's own 401s do not
        self.www_authenticate = (code == 16) if www_authenticate is None else www_authenticate


def compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def json_response(body: Any, status: int = 200, request: web.Request | None = None) -> web.Response:
    """JSON reply with Nakama's headers; gzip when the client accepts it (as Nakama does)."""
    text = body if isinstance(body, str) else compact(body)
    data = text.encode("utf-8")
    headers = {"Cache-Control": _NO_CACHE, "Vary": "Accept-Encoding"}
    if request is not None and "gzip" in request.headers.get("Accept-Encoding", "") and len(data) > 0:
        data = gzip.compress(data, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=data, status=status, headers=headers, content_type="application/json")


def error_response(failure: ApiFailure, request: web.Request | None = None) -> web.Response:
    body: dict[str, Any] = {"code": failure.code, "message": failure.message}
    if failure.extra:
        body = {**failure.extra, **body} if "error" in failure.extra else {**body, **failure.extra}
    resp = json_response(body, failure.status, request)
    if failure.www_authenticate:
        resp.headers["WWW-Authenticate"] = failure.message
    return resp


@dataclass
class ApiRequest:
    """What a handler sees of an HTTP request."""

    hub: Hub
    request: web.Request
    match_info: dict[str, str]
    query: MultiMapping[str]
    raw_body: bytes
    claims: dict[str, Any] | None = None   # the verified session token's claims (bearer routes)
    token: str | None = None
    # a call from server code (the runtime API, _runtime_nk.py): owners and permissions are the caller's
    # to choose, as Nakama's runtime functions may (see each handler); never set for a network request
    authoritative: bool = False
    _json: Any = field(default=None, repr=False)
    _json_loaded: bool = False

    @property
    def user_id(self) -> str:
        return self.claims["uid"] if self.claims else ""

    @property
    def username(self) -> str:
        return self.claims.get("usn", "") if self.claims else ""

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` when empty); a bad body is 400 as in grpc-gateway."""
        if not self._json_loaded:
            self._json_loaded = True
            if not self.raw_body.strip():
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.raw_body)
                except ValueError as exc:
                    raise ApiFailure(INVALID_ARGUMENT, f"invalid character in request body: {exc}") from exc
        return self._json

    def replace_body(self, data: Any) -> None:
        """Handle ``data`` (JSON-able) as the body instead of what was sent (a before hook's change)."""
        self.raw_body = compact(data).encode("utf-8")
        self._json_loaded = False

    def body(self) -> dict[str, Any]:
        """The body as a JSON object with camelCase keys folded to snake_case (unknown keys kept)."""
        data = self.json()
        if not isinstance(data, dict):
            raise ApiFailure(INVALID_ARGUMENT, "Request body must be a JSON object.")
        return {snake(k): v for k, v in data.items()}

    def q(self, name: str, default: str | None = None) -> str | None:
        """A query parameter by its snake_case or camelCase name."""
        value = self.query.get(name)
        if value is None:
            value = self.query.get(camel(name))
        return default if value is None else value

    def q_all(self, name: str) -> list[str]:
        """A repeated query parameter (``ids=a&ids=b``), by either spelling of its name."""
        values = list(self.query.getall(name, []))
        if camel(name) != name:
            values += self.query.getall(camel(name), [])
        return values

    def q_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        parsed = parse_bool(value)
        if parsed is None:
            raise ApiFailure(INVALID_ARGUMENT, f"invalid value for bool field {name}: {value!r}")
        return parsed

    def q_int(self, name: str, default: int | None = None) -> int | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ApiFailure(INVALID_ARGUMENT, f"invalid value for int field {name}: {value!r}") from exc


def parse_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


Handler = Callable[[ApiRequest], Any]
# interceptor(method, path, req, handler) -> result: runs the handler (the runtime's before/after hooks)
Interceptor = Callable[[str, str, ApiRequest, Handler], Any]


class RouteTable:
    """Collects routes; :meth:`install` adds them to an aiohttp app with auth and error handling."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Handler, str]] = []
        self.interceptor: Interceptor | None = None

    def add(self, method: str, path: str, handler: Handler, auth: str = "bearer") -> None:
        """``path`` uses aiohttp's ``{name}`` placeholders, e.g. ``/v2/group/{group_id}/join``."""
        self.routes.append((method.upper(), path, handler, auth))

    def handler(self, method: str, path: str) -> Handler:
        """The handler added for ``method`` and the ``path`` template; KeyError when there is none."""
        for m, p, handler, _ in self.routes:
            if m == method and p == path:
                return handler
        raise KeyError(f"no route {method} {path}")

    def install(self, app: web.Application, hub: Hub) -> None:
        for method, path, handler, auth in self.routes:
            app.router.add_route(method, path, _wrap(hub, handler, auth, method, path))


def _basic_user(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
    if ":" not in decoded:
        return ""
    return decoded.split(":", 1)[0]


def check_bearer(hub: Hub, request: web.Request) -> tuple[str, dict[str, Any]]:
    """Verify ``Authorization: Bearer <jwt>``; returns (token, claims) or raises ApiFailure 16."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise ApiFailure(UNAUTHENTICATED, "Auth token required")
    if not header.startswith("Bearer "):
        raise ApiFailure(UNAUTHENTICATED, "Auth token invalid")
    token = header[7:]
    claims = hub.verify_session_token(token)
    if claims is None:
        raise ApiFailure(UNAUTHENTICATED, "Auth token invalid")
    return token, claims


def _wrap(hub: Hub, handler: Handler, auth: str, method: str, path: str) -> Callable[[web.Request], Any]:
    async def view(request: web.Request) -> web.StreamResponse:
        try:
            raw = await request.read()
            if request.headers.get("Content-Encoding", "") == "gzip" and raw:
                raw = gzip.decompress(raw)
            req = ApiRequest(hub, request, dict(request.match_info), request.query, raw)
            if auth == "basic":
                user = _basic_user(request)
                if user is None:
                    raise ApiFailure(UNAUTHENTICATED, "Server key required")
                if user != hub.config.server_key:
                    raise ApiFailure(UNAUTHENTICATED, "Server key invalid")
            elif auth == "bearer":
                req.token, req.claims = check_bearer(hub, request)
            interceptor = hub.routes.interceptor
            result = handler(req) if interceptor is None else interceptor(method, path, req, handler)
            if hasattr(result, "__await__"):
                result = await result
            if isinstance(result, web.StreamResponse):
                return result
            return json_response(result if result is not None else {}, 200, request)
        except ApiFailure as failure:
            return error_response(failure, request)
        except Exception:  # a bug in the dev server: answer as Nakama's Internal error, and log it
            hub.log.exception("dev server error on %s %s", request.method, request.path)
            return error_response(ApiFailure(INTERNAL, "Internal server error"), request)

    return view

