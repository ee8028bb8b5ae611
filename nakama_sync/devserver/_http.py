"""The HTTP side of the dev server: a route table, request parsing, auth schemes, Nakama's error bodies.

Feature modules add routes with ``hub.routes.add(method, path, handler, auth=...)``. A handler is a plain
function ``handler(req: ApiRequest) -> dict | web.Response`` running on the event-loop thread; it
raises :class:`ApiFailure` for an error reply. A dict reply is sent as JSON with status 200.

Auth schemes, as Nakama's (Basic with the server key for authenticate and refresh, Bearer elsewhere):
``"basic"`` (server key), ``"bearer"`` (session token), ``"none"``, and ``"rpc"`` (http_key query or Basic,
else a bearer token; handled by the RPC route itself).

Bad input never reaches a handler as a 500. In the order Nakama's HTTP stack applies them:
:func:`request_guard` (Go's header limit, CORS preflights, gorilla/mux's path cleaning), the integer
query parameters (:func:`check_query_ints`), the body (size limit, decompression, JSON as grpc-gateway
decodes it), then the auth check and the handler, whose typed helpers (``q_int``, ``_apiutil``'s
``*_value`` and ``decode_cursor``) answer 400. A bad value that still slips through to SQLite or
``int()`` is a 400 too (``_BAD_INPUT_ERRORS``); any other exception is a logged dev-server bug (500).
"""
from __future__ import annotations

import base64
import gzip
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from multidict import MultiMapping

from ._body_check import BadField, check_body, route_key
from ._names import camel, snake

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
    "parse_go_int",
    "read_body",
    "request_guard",
]

# gRPC code -> HTTP status, as grpc-gateway maps them; the body is {"code": <grpc code>, "message": ...}
HTTP_STATUS = {0: 200, 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409,
               11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}

# gRPC codes by name, for readability in handlers
INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED = 3, 5, 6, 7
FAILED_PRECONDITION, ABORTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 9, 10, 12, 13, 14, 16

_NO_CACHE = "no-store, no-cache, must-revalidate"


class ApiFailure(Exception):
    """Raise in a handler to answer ``{"code": code, "message": message}`` with the mapped HTTP status.

    ``extra`` adds keys to the body (the RPC handler's ``error`` key); ``status`` overrides the status;
    ``close`` ends the connection after the reply (the rest of a bad body is never read).
    """

    def __init__(self, code: int, message: str, *, extra: dict[str, Any] | None = None,
                 status: int | None = None, www_authenticate: bool | None = None, close: bool = False) -> None:
        super().__init__(message)
        self.close = close
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
    if failure.close:
        resp.force_close()
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
                self._json = parse_json_body(self.raw_body)
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

    def q_int(self, name: str, default: int | None = None, kind: str = "int32") -> int | None:
        """An integer query parameter of the protobuf type ``kind`` (int32, int64, uint32).

        Parsed as grpc-gateway does (Go's strconv): no spaces or underscores, and a value out of the
        type's range is 400 naming the field. Example: ``req.q_int("expiry", kind="int64")``
        """
        value = self.q(name)
        if value is None or value == "":
            return default
        return parse_go_int(value, name, kind)


_INT_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1),
               "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 64 - 1)}
_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_UINT = re.compile(r"[0-9]+")


# The integer query parameters of Nakama's API by protobuf type (apigrpc.swagger.json). grpc-gateway
# parses them before any handler or auth check runs, so a bad one is 400 whatever else is wrong.
QUERY_INT_KINDS = {"limit": "int32", "state": "int32", "members": "int32", "min_size": "int32",
                   "max_size": "int32", "expiry": "int64", "category_start": "uint32", "category_end": "uint32",
                   "start_time": "uint32", "end_time": "uint32"}


# The boolean query parameters of Nakama's API (google.protobuf.BoolValue or bool): strconv.ParseBool.
QUERY_BOOLS = ("create", "sync", "forward", "reset", "open", "authoritative")


def check_query_ints(query: MultiMapping[str]) -> None:
    """400 for the first integer or boolean query parameter (either spelling) that grpc-gateway would
    not parse, with its message. Example: ``check_query_ints(request.query)``"""
    for name, kind in QUERY_INT_KINDS.items():
        for spelling in {name, camel(name)}:
            for value in query.getall(spelling, []):
                parse_go_int(value, name, kind)   # an empty value too: strconv refuses ""
    for name in QUERY_BOOLS:
        for value in query.getall(name, []):
            if parse_bool(value) is None:
                raise ApiFailure(INVALID_ARGUMENT, f"parsing field {json.dumps(name)}: strconv.ParseBool: parsing "
                                                   f"{json.dumps(value, ensure_ascii=False)}: invalid syntax")


def parse_go_int(value: str, name: str, kind: str) -> int:
    """``value`` parsed as grpc-gateway parses the query field ``name`` of protobuf type ``kind``.

    Raises ApiFailure 3 with grpc-gateway's message (``parsing field "limit": strconv.ParseInt: ...``).
    Example: ``parse_go_int("12", "limit", "int32") == 12``
    """
    low, high = _INT_RANGES[kind]
    func = "ParseUint" if low == 0 else "ParseInt"
    if (_GO_UINT if low == 0 else _GO_INT).fullmatch(value) is None:
        reason = "invalid syntax"
    else:
        number = int(value) if len(value) <= 40 else high + 1   # (Python refuses int() of 4,300+ digits)
        if low <= number <= high:
            return number
        reason = "value out of range"
    raise ApiFailure(INVALID_ARGUMENT, f"parsing field {json.dumps(name)}: strconv.{func}: parsing "
                                       f"{json.dumps(value, ensure_ascii=False)}: {reason}")


# Every field name of Nakama's API messages (apigrpc.swagger.json), snake_case. protojson refuses a known
# field given twice; unknown fields (and so their duplicates) are discarded.
_API_FIELDS = frozenset("""
    account acks active apple_id authoritative avatar_url bundle_id cacheable_cursor can_enter category
    channel_id code collection complete_time completions content create_time created creator_id cursor
    custom_id description details devices disable_time display_name duration edge_count email end_active
    end_time environment expiry_time external facebook_id facebook_instant_game_id friends
    friends_of_friends gamecenter_id google_id group group_id group_users groups handler_name hidden
    http_key id join_required key label lang_tag leaderboard_id limit location match_id matches
    max_count max_num_score max_size message message_id messages metadata name next_cursor next_reset
    notifications num_score object_ids objects oldest_ticket_create_time online open operator
    original_transaction_id owner_id owner_records parties party_id password payload permission_read
    permission_write persist persistent player_id prev_cursor prev_reset product_id properties
    provider_notification provider_response public_key_url purchase purchase_time rank rank_count
    receipt records referrer refresh_token refund_time room_name salt score seen_before sender_id
    signature signed_player_info signed_request size sort_order start_active start_time state steam_id
    store subject subscore sync tick_rate ticket_count timestamp timestamp_seconds timezone title token
    tournaments transaction_id update_time user user_groups user_id user_id_one user_id_two username
    users validated_purchases validated_subscription validated_subscriptions value vars verify_time
    version wallet
""".split())


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen and snake(key) in _API_FIELDS:
            raise ApiFailure(INVALID_ARGUMENT, f'proto: duplicate field "{key}"')
        seen[key] = value
    return seen


def parse_json_body(raw: bytes) -> Any:
    """A request body as grpc-gateway's JSON decoder reads it: the first JSON value (what follows it
    is never read), a known field given twice is 400, bad JSON or absurd nesting is 400.

    Example: ``parse_json_body(b'{"a": 1} trailing') == {"a": 1}``
    """
    try:
        text = raw.decode("utf-8")
        start = len(text) - len(text.lstrip())
        value, _ = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys).raw_decode(text, start)
    except (ValueError, RecursionError) as exc:   # UnicodeDecodeError is a ValueError
        raise ApiFailure(INVALID_ARGUMENT, f"invalid character in request body: {exc}") from exc
    return value


def parse_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


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
            key = route_key(method, path)
            takes_body = method in ("POST", "PUT") and auth != "rpc" and key not in _BODYLESS
            app.router.add_route(method, path, _wrap(hub, handler, auth, method, path, key if takes_body else None))


# POST routes whose request message has no body in Nakama's API (apigrpc.swagger.json): grpc-gateway
# never reads their body. Every other POST/PUT body is decoded before the auth check, as grpc-gateway does.
_BODYLESS = {"POST /v2/friend", "POST /v2/friend/block", "POST /v2/group/{}/add", "POST /v2/group/{}/ban",
             "POST /v2/group/{}/demote", "POST /v2/group/{}/join", "POST /v2/group/{}/kick",
             "POST /v2/group/{}/leave", "POST /v2/group/{}/promote", "POST /v2/tournament/{}/join"}


def _basic_user(request: web.Request) -> str | None:
    """The Basic-auth user name; None without an Authorization header, "" when it is not Basic auth."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    if not header.startswith("Basic "):
        return ""
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


# What a bad value that slipped past a handler's checks raises when it reaches SQLite or int()
# (a list bound as a parameter, an integer beyond 64 bits, a huge digit string): the caller's fault.
_BAD_INPUT_ERRORS = (OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError, RecursionError)


async def read_body(request: web.Request) -> bytes | None:
    """The request body (aiohttp undoes a gzip/deflate Content-Encoding); 400 as Nakama when it is over
    the size limit. None when it does not decompress: Nakama then goes on as if there were no body, and
    the connection should close after the reply."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiFailure(INVALID_ARGUMENT, "http: request body too large", close=True) from exc
    except RequestPayloadError:
        # A body that does not decompress: Nakama's gzip reader has consumed it and the request goes on
        # without one. Nothing more is read from this connection.
        request.content.feed_eof()   # aiohttp must not try to drain the broken body after the reply
        return None


def _wrap(hub: Hub, handler: Handler, auth: str, method: str, path: str,
          body_route: str | None) -> Callable[[web.Request], Any]:
    """The aiohttp view of a route; ``body_route`` is its ``route_key`` when grpc-gateway decodes its body."""
    async def view(request: web.Request) -> web.StreamResponse:
        try:
            if auth != "rpc":   # an RPC's query parameters are its own
                check_query_ints(request.query)
            raw = await read_body(request)
            req = ApiRequest(hub, request, dict(request.match_info), request.query, raw or b"")
            if body_route is not None:   # a body protojson refuses is 400 even without valid credentials
                try:
                    check_body(body_route, req.body())
                except BadField as exc:
                    raise ApiFailure(INVALID_ARGUMENT, str(exc)) from exc
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
            if not isinstance(result, web.StreamResponse):
                result = json_response(result if result is not None else {}, 200, request)
            if raw is None:
                result.force_close()
            return result
        except ApiFailure as failure:
            return error_response(failure, request)
        except _BAD_INPUT_ERRORS as exc:
            hub.log.warning("bad input on %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
            return error_response(ApiFailure(INVALID_ARGUMENT, "Invalid argument."), request)
        except Exception:  # a bug in the dev server: answer as Nakama's Internal error, and log it
            hub.log.exception("dev server error on %s %s", request.method, request.path)
            return error_response(ApiFailure(INTERNAL, "Internal server error"), request)

    return view


# Go's net/http reads at most MaxHeaderBytes (Nakama: 5120) + 4096 bytes of request line and headers.
MAX_HEADER_BYTES = 5120 + 4096
# aiohttp's own line limits are raised to this, so that longer requests reach request_guard and get
# Go's answer; only a line beyond it gets aiohttp's plain 400.
AIOHTTP_LINE_LIMIT = 1 << 20


def clean_path(path: str) -> str:
    """Go's path.Clean as gorilla/mux applies it (a trailing slash kept): ``/a/../b//c/`` -> ``/b/c/``."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    cleaned = "/" + "/".join(out)
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


@web.middleware
async def request_guard(request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
    """What Nakama's HTTP stack answers before any handler runs.

    Request line and headers over Go's limit: 431 in plain text. OPTIONS: 200 with the CORS headers a
    preflight asks for (and ``Access-Control-Allow-Origin: *`` on replies to requests with an Origin).
    A path that is not clean once decoded (``..`` or ``.`` segments, ``//``, also spelled ``%2F``):
    gorilla/mux's 301 to the cleaned path, so ``/v2/storage/..%2F..%2Fetc%2Fpasswd`` never reaches
    the storage routes. Any method but GET on ``/`` or ``/ws``: grpc-gateway's 404.
    """
    size = len(request.method) + len(request.raw_path) + 11
    size += sum(len(k) + len(v) + 4 for k, v in request.raw_headers)
    if size > MAX_HEADER_BYTES:
        return web.Response(status=431, text="431 Request Header Fields Too Large", content_type="text/plain",
                            headers={"Connection": "close"})
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":   # gorilla/handlers CORS answers every preflight itself
        headers: dict[str, str] = {}
        wanted = request.headers.get("Access-Control-Request-Method", "")
        if origin is not None and wanted in _CORS_METHODS:
            headers["Access-Control-Allow-Origin"] = "*"
            asked = [h.strip().title() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")]
            allowed = [h for h in asked if h in _CORS_HEADERS]
            if allowed:
                headers["Access-Control-Allow-Headers"] = ", ".join(allowed)
        return web.Response(status=200, headers=headers)
    path = request.path
    cleaned = clean_path(path)
    if cleaned != path:
        location = urllib.parse.quote(cleaned, safe="/:@!$&'()*+,;=~")
        if request.query_string:
            location += "?" + request.query_string
        return web.Response(status=301, headers={"Location": location})
    if path in ("/", "/ws") and request.method != "GET":   # GET-only routes; anything else falls to the gateway
        return error_response(ApiFailure(NOT_FOUND, "Not Found", www_authenticate=False), request)
    response: web.StreamResponse = await handler(request)
    if origin is not None and not response.prepared:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


_CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")
_CORS_HEADERS = ("Authorization", "Content-Type", "User-Agent")
