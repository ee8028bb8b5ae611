"""Hostile requests, each answered exactly as Nakama 3.40 answers it, and never with a dev-server 500.

The table is tests/_probes.py (authorization, foreign objects, bad types, bad cursors, query integers,
sizes, paths). Each probe is sent over a raw loopback connection (http.client: no URL normalisation,
any bytes) and its status and gRPC code are checked; on the dev server, nothing may be logged at
ERROR or with a traceback while it is answered. The socket tests check who may open ``/ws`` after a
logout and an account deletion. Everything runs against a real Nakama too (NAKAMA_HOST, tests/conftest.py).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import websocket

from ._probes import PROBES, Probe
from .conftest import Target, unique

NIL = "00000000-0000-4000-8000-000000000000"
# The session key of a default Nakama and of the dev server (the token forger uses it for "expired").
ENCRYPTION_KEY = "defaultencryptionkey"


class _Captured(logging.Handler):
    """Every record logged by the dev server (and aiohttp under it) while a probe is answered."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def bad(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.fixture(scope="module")
def server_log() -> Iterator[_Captured]:
    handler = _Captured()
    loggers = [logging.getLogger(name) for name in ("nakama_sync.devserver", "aiohttp")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forge_token(claims: dict[str, Any], key: str, alg: str = "HS256") -> str:
    head = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    if alg == "none":
        return f"{head}.{body}."
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


class World:
    """Three users, two groups and a storage object on the target, and a raw HTTP sender."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        for name in ("alice", "bob", "carol", "dave"):
            reply = self.send("POST", "/v2/account/authenticate/device", {"id": unique(f"probe-{name}")}, "basic")
            assert reply.status == 200, reply.body
            self.tokens[name] = reply.json()["token"]
            self.ids[name] = self.claims(self.tokens[name])["uid"]
        for name, is_open in (("G", True), ("H", False)):
            reply = self.send("POST", "/v2/group", {"name": unique(f"probe-{name}"), "open": is_open}, "alice")
            assert reply.status == 200, reply.body
            self.groups[name] = reply.json()
        assert self.send("POST", f"/v2/group/{self.groups['G']['id']}/join", None, "bob").status == 200
        reply = self.send("PUT", "/v2/storage", {"objects": [
            {"collection": "probe", "key": "private", "value": '{"secret": 1}'},
            {"collection": "probe", "key": "public", "value": '{"open": 1}', "permission_read": 2}]}, "alice")
        assert reply.status == 200, reply.body
        uid = self.ids["alice"]
        now = int(time.time())
        base = {"tid": str(uuid.uuid4()), "uid": uid, "usn": "alice"}
        self.tokens.update({
            "forged": forge_token({**base, "exp": now + 3600}, "not-the-key"),
            "alg_none": forge_token({**base, "exp": now + 3600}, "", alg="none"),
            "expired": forge_token({**base, "exp": now - 10, "iat": now - 100}, ENCRYPTION_KEY),
            "garbage": "not.a.token",
        })

    @staticmethod
    def claims(token: str) -> dict[str, Any]:
        part = token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    def fill(self, text: str) -> str:
        """``text`` with the world's names (``{alice}``, ``{G}``, ...) replaced by their ids."""
        names = {**{f"{{{k}}}": self.tokens[k] for k in ("forged", "expired") if k in self.tokens},
                 **{f"{{{k}token}}": t for k, t in self.tokens.items()},
                 **{f"{{{k}}}": v for k, v in self.ids.items()},
                 **{f"{{{k}}}": g["id"] for k, g in self.groups.items()},
                 **{f"{{{k}name}}": g["name"] for k, g in self.groups.items()}, "{nil}": NIL}
        for name, value in names.items():
            text = text.replace(name, value)
        return text

    def send(self, method: str, path: str, body: Any, auth: str,
             headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        t = self.target
        conn = http.client.HTTPConnection(t.host, t.port, timeout=15)
        try:
            if isinstance(body, bytes):
                data: bytes | None = body
            elif body is None:
                data = None
            else:
                data = self.fill(json.dumps(body)).encode()
            conn.putrequest(method, self.fill(path), skip_accept_encoding=True)
            if auth == "basic":
                conn.putheader("Authorization", "Basic " + base64.b64encode(f"{t.server_key}:".encode()).decode())
            elif auth == "badkey":
                conn.putheader("Authorization", "Basic " + base64.b64encode(b"wrongkey:").decode())
            elif auth != "none":
                conn.putheader("Authorization", "Bearer " + self.tokens[auth])
            for name, value in headers:
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(data or b"")))
            conn.endheaders(data)
            resp = conn.getresponse()
            return Reply(resp.status, resp.headers, resp.read())
        finally:
            conn.close()


@pytest.fixture(scope="module")
def world(target: Target) -> World:
    return World(target)


@pytest.fixture
def quiet_server(server_log: _Captured) -> Iterator[None]:
    """Fails the test when the dev server logged an error or a traceback while it ran."""
    server_log.records.clear()
    yield
    assert server_log.bad() == []


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_probe(world: World, server_log: _Captured, probe: Probe) -> None:
    server_log.records.clear()
    reply = world.send(probe.method, probe.path, probe.body, probe.auth, probe.headers)
    assert reply.status != 500 or probe.status == 500, reply.body[:300]
    got: tuple[Any, ...] = (reply.status,)
    want: tuple[Any, ...] = (probe.status,)
    if probe.code is not None:
        assert reply.headers.get_content_type() == "application/json", reply.body[:300]
        body = reply.json()
        got, want = (reply.status, body.get("code")), (probe.status, probe.code)
        if probe.message is not None:
            got, want = (*got, world.fill(body.get("message", ""))), (*want, world.fill(probe.message))
    assert got == want, reply.body[:300]
    if probe.status == 301:
        assert reply.headers["Location"].startswith("/")
    assert server_log.bad() == []


def test_probe_table_covers_the_issue_classes() -> None:
    # the table is the issue's ~190 requests: keep it at least that broad
    assert len(PROBES) >= 190
    assert len({p.name for p in PROBES}) == len(PROBES)


def test_incrementing_a_score_past_int64_is_nakamas_500(world: World, quiet_server: None) -> None:
    # Postgres refuses the bigint overflow (and a negative total): Nakama answers its own 500, the dev
    # server the same answer without a traceback
    token, _ = _fresh_user(world)
    max_score = str(2 ** 63 - 1)
    reply = _bearer(world, token, "POST", "/v2/leaderboard/nsync_incr", {"score": max_score})
    assert (reply.status, reply.json()["score"]) == (200, max_score)
    for delta in ("1", str(2 ** 62)):
        reply = _bearer(world, token, "POST", "/v2/leaderboard/nsync_incr", {"score": delta})
        assert (reply.status, reply.json()) == (500, {"code": 13, "message": "Error writing score to leaderboard."})
    token, _ = _fresh_user(world)
    assert _bearer(world, token, "POST", "/v2/leaderboard/nsync_incr", {"score": "5"}).status == 200
    reply = _bearer(world, token, "POST", "/v2/leaderboard/nsync_incr", {"score": "-6"})
    assert (reply.status, reply.json()["code"]) == (500, 13)


# ---- who may open /ws after a logout or a deletion ----------------------------------------------------------
def _ws_url(target: Target, token: str) -> str:
    return f"ws://{target.host}:{target.port}/ws?token={token}"


def _close(ws: websocket.WebSocket) -> None:
    """Close a raw socket for sure: websocket-client's close() returns at once, leaving the TCP socket open
    for the garbage collector, when the connection is no longer "connected" (its close frame was sent, as
    recv() does on reading the server's close frame); shutdown() closes the TCP socket in every case."""
    try:
        ws.close(timeout=2)
    finally:
        ws.shutdown()


def _upgrade_status(target: Target, token: str) -> int:
    """101 when /ws accepts the token (the socket is closed again at once), else the refusal's status."""
    try:
        ws = websocket.create_connection(_ws_url(target, token), timeout=10)
    except websocket.WebSocketBadStatusException as exc:
        assert exc.resp_body is None or b"Missing or invalid token" in exc.resp_body, exc.resp_body
        return int(exc.status_code)
    _close(ws)
    return 101


def _fresh_user(world: World) -> tuple[str, str]:
    reply = world.send("POST", "/v2/account/authenticate/device", {"id": unique("probe-ws")}, "basic")
    assert reply.status == 200, reply.body
    token = reply.json()["token"]
    return token, world.claims(token)["uid"]


def _bearer(world: World, token: str, method: str, path: str, body: Any = None) -> Reply:
    world.tokens["_ws"] = token
    return world.send(method, path, body, "_ws")


def _wait_closed(ws: websocket.WebSocket, deadline_sec: float = 10.0) -> int | None:
    """The close code the server sent, or None when the connection just ended; bounded by the deadline."""
    ws.settimeout(deadline_sec)
    try:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else None
    except websocket.WebSocketConnectionClosedException:
        return None


def _issued_earlier(world: World, token: str, seconds: int = 5) -> str:
    """The same session token as if issued ``seconds`` earlier (both servers use the default key).

    Nakama invalidates on "log out everywhere" the tokens issued before that second, compared in whole
    seconds: a token issued in the very second of the logout survives it. The tests use a token issued
    a few seconds before instead of waiting for the clock.
    """
    claims = world.claims(token)
    claims["exp"] -= seconds
    claims["iat"] -= seconds
    return forge_token(claims, ENCRYPTION_KEY)


def test_logout_everywhere_refuses_the_socket(world: World, quiet_server: None) -> None:
    token, _ = _fresh_user(world)
    older = _issued_earlier(world, token)
    assert _upgrade_status(world.target, older) == 101
    assert _bearer(world, token, "POST", "/v2/session/logout", {}).status == 200
    assert _upgrade_status(world.target, older) == 401
    assert _bearer(world, older, "GET", "/v2/account").status == 401


def test_a_socket_open_before_logout_everywhere_stays_open(world: World, quiet_server: None) -> None:
    # Nakama's own behaviour: logging out does not disconnect (deleting the account does, below)
    token, _ = _fresh_user(world)
    ws = websocket.create_connection(_ws_url(world.target, _issued_earlier(world, token)), timeout=10)
    try:
        assert _bearer(world, token, "POST", "/v2/session/logout", {}).status == 200
        ws.send(json.dumps({"cid": "1", "ping": {}}))
        assert json.loads(ws.recv()) == {"cid": "1", "pong": {}}
    finally:
        _close(ws)


def test_logging_out_one_token_still_opens_a_socket(world: World, quiet_server: None) -> None:
    # Nakama's own behaviour: the socket check looks at "log out everywhere" only
    token, _ = _fresh_user(world)
    assert _bearer(world, token, "POST", "/v2/session/logout", {"token": token}).status == 200
    assert _bearer(world, token, "GET", "/v2/account").status == 401
    assert _upgrade_status(world.target, token) == 101


def test_session_and_refresh_tokens_are_logged_out_one_by_one(world: World, quiet_server: None) -> None:
    # the two tokens of one authentication share an id; Nakama logs each out on its own, and checks both
    # tokens of a logout before it logs out either
    def session() -> dict[str, str]:
        reply = world.send("POST", "/v2/account/authenticate/device", {"id": unique("probe-lo")}, "basic")
        assert reply.status == 200, reply.body
        return dict(reply.json())

    def refresh(refresh_token: str) -> int:
        return world.send("POST", "/v2/account/session/refresh", {"token": refresh_token}, "basic").status

    first = session()
    reply = _bearer(world, first["token"], "POST", "/v2/session/logout",
                    {"token": first["token"], "refresh_token": "not-a-token"})
    assert (reply.status, reply.json()["message"]) == (400, "Refresh token invalid.")
    assert _bearer(world, first["token"], "GET", "/v2/account").status == 200   # nothing was logged out
    assert _bearer(world, first["token"], "POST", "/v2/session/logout",
                   {"refresh_token": first["refresh_token"]}).status == 200
    assert _bearer(world, first["token"], "GET", "/v2/account").status == 200
    assert refresh(first["refresh_token"]) == 401

    second = session()
    assert _bearer(world, second["token"], "POST", "/v2/session/logout", {"token": second["token"]}).status == 200
    assert _bearer(world, second["token"], "GET", "/v2/account").status == 401
    assert refresh(second["refresh_token"]) == 200


def test_deleting_the_account_closes_its_socket_and_refuses_new_ones(world: World, quiet_server: None) -> None:
    token, _ = _fresh_user(world)
    ws = websocket.create_connection(_ws_url(world.target, token), timeout=10)
    try:
        ws.send(json.dumps({"cid": "1", "ping": {}}))
        assert json.loads(ws.recv()) == {"cid": "1", "pong": {}}
        assert _bearer(world, token, "DELETE", "/v2/account").status == 200
        assert _wait_closed(ws) in (1000, None)
    finally:
        _close(ws)
    older = _issued_earlier(world, token)
    assert _upgrade_status(world.target, older) == 401
    assert _bearer(world, older, "GET", "/v2/account").status == 401


# ---- socket messages Nakama refuses in its own way ---------------------------------------------------------------
def test_following_a_name_with_a_nul_is_nakamas_runtime_error(world: World, quiet_server: None) -> None:
    # Nakama looks the names up in Postgres, which refuses the NUL: an error without a code (0, runtime
    # exception), and the socket stays open
    token, _ = _fresh_user(world)
    ws = websocket.create_connection(_ws_url(world.target, token), timeout=10)
    try:
        for cid, names in (("1", ["a\x00b"]), ("2", ["\x00", "someone-else"])):
            ws.send(json.dumps({"cid": cid, "status_follow": {"usernames": names}}))
            assert json.loads(ws.recv()) == {"cid": cid, "error": {"message": "Could not check users"}}
        ws.send(json.dumps({"cid": "3", "status_follow": {"usernames": [""]}}))
        assert json.loads(ws.recv()) == {"cid": "3", "error": {"code": 3, "message": "Invalid username"}}
        ws.send(json.dumps({"cid": "4", "ping": {}}))
        assert json.loads(ws.recv()) == {"cid": "4", "pong": {}}
    finally:
        _close(ws)


@pytest.mark.parametrize("body", [{}, {"data": "x"}], ids=["empty", "with data"])
def test_a_client_sending_stream_data_is_closed(world: World, quiet_server: None, body: dict[str, Any]) -> None:
    # a server-only message: Nakama closes the session (1000 "error processing message"); the
    # "Unrecognized message." error it queues first races the close and mostly loses, so it may be missing
    token, _ = _fresh_user(world)
    ws = websocket.create_connection(_ws_url(world.target, token), timeout=10)
    replies: list[Any] = []
    try:
        ws.send(json.dumps({"cid": "1", "stream_data": body}))
        while True:   # bounded by the socket's 10 s timeout
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            replies.append(json.loads(data))
    finally:
        _close(ws)
    assert data == (1000).to_bytes(2, "big") + b"error processing message"
    assert replies in ([], [{"cid": "1", "error": {"code": 1, "message": "Unrecognized message."}}])


def test_a_bad_value_that_reaches_sqlite_is_a_400_not_a_500(quiet_server: None) -> None:
    # The last line of defence of the dev server's HTTP layer, on a route of its own: a handler that
    # binds client input SQLite cannot take (as a missing check would) answers 400, logs no traceback.
    import asyncio
    import sqlite3
    import threading
    import types

    from aiohttp import web

    from nakama_sync.devserver._http import RouteTable

    def bind(value: Any) -> dict[str, Any]:
        db = sqlite3.connect(":memory:")
        try:   # closed here: Python 3.13 warns about a connection left to the garbage collector
            db.execute("SELECT ?", (value,))
        finally:
            db.close()
        return {}

    table = RouteTable()
    table.add("POST", "/bind", lambda req: bind(req.json()["v"]), auth="none")
    hub = types.SimpleNamespace(log=logging.getLogger("nakama_sync.devserver"), routes=table)
    app = web.Application()
    table.install(app, hub)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, name="bind-app", daemon=True)
    thread.start()
    try:
        for value, status in (({"an": "object"}, 400), ([1, 2], 400), (2 ** 70, 400), ("fine", 200)):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/bind", json.dumps({"v": value}))
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            assert resp.status == status, body
            if status == 400:
                assert json.loads(body) == {"code": 3, "message": "Invalid argument."}
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_the_body_schema_is_generated_from_nakamas_api_description(tmp_path: Any) -> None:
    # nakama_sync/devserver/_api_schema.py must be what tools/gen_api_schema.py makes of the swagger file
    import importlib.util
    import pathlib

    from ._shared import shared_path

    swagger = shared_path("nakama-api/apigrpc.swagger.json")
    tool = pathlib.Path(__file__).parent.parent / "tools" / "gen_api_schema.py"
    spec = importlib.util.spec_from_file_location("gen_api_schema", tool)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.OUT = str(tmp_path / "_api_schema.py")
    assert gen.main(["gen_api_schema.py", str(swagger)]) == 0
    import nakama_sync.devserver  # the source tree's, or the installed wheel's in CI's wheel stage

    committed = pathlib.Path(nakama_sync.devserver.__file__).parent / "_api_schema.py"
    assert (tmp_path / "_api_schema.py").read_text() == committed.read_text()
