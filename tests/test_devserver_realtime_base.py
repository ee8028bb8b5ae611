"""Plain websocket-client + requests helpers for the realtime server tests, and the socket-lifecycle tests.

The helpers talk the wire protocol directly (no nakama_sync.Socket), so these tests check the server,
dev server or real Nakama alike. Waiting is always on a condition with a timeout, never a sleep.
"""
from __future__ import annotations

import base64
import json
import ssl as _ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import websocket
from websocket import ABNF

from .conftest import Target, unique

WAIT = 5.0


@dataclass
class RtUser:
    user_id: str
    username: str
    token: str


def http_base(target: Target) -> str:
    return f"{'https' if target.ssl else 'http'}://{target.host}:{target.port}"


def auth_user(target: Target, prefix: str = "rt") -> RtUser:
    """A brand-new device user. Falls back to minting a token when the dev server has no accounts yet."""
    username = unique(prefix).replace("-", "_")[:20]
    resp = requests.post(f"{http_base(target)}/v2/account/authenticate/device",
                         params={"create": "true", "username": username},
                         json={"id": unique("device")}, auth=(target.server_key, ""), timeout=WAIT)
    if resp.status_code == 404 and target.server is not None:
        user_id = str(uuid.uuid4())
        token, _ = target.server.call(target.server.hub.issue_tokens, user_id, username)
        return RtUser(user_id, username, token)
    resp.raise_for_status()
    token = resp.json()["token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return RtUser(claims["uid"], claims["usn"], token)


def http(target: Target, user: RtUser, method: str, path: str, **kwargs: Any) -> requests.Response:
    """An HTTP call with the user's bearer token."""
    headers = {"Authorization": f"Bearer {user.token}"}
    return requests.request(method, f"{http_base(target)}{path}", headers=headers, timeout=WAIT, **kwargs)


class WsClient:
    """One raw socket with a reader thread that records every frame (and the close) in arrival order."""

    def __init__(self, target: Target, user: RtUser, status: bool = True) -> None:
        self.user = user
        scheme = "wss" if target.ssl else "ws"
        url = f"{scheme}://{target.host}:{target.port}/ws?token={user.token}&status={str(status).lower()}" \
              "&format=json"
        self.ws = websocket.create_connection(url, timeout=WAIT, sslopt={"cert_reqs": _ssl.CERT_NONE})
        self.ws.settimeout(None)
        self.frames: list[dict[str, Any]] = []
        self.close_frame: tuple[int, str] | None = None
        self.closed = False
        self._cond = threading.Condition()
        self._cid = 0
        self.session_id = ""
        self._reader = threading.Thread(target=self._read, name="test-ws-reader", daemon=True)
        self._reader.start()

    # ---- reading --------------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(True)
                if opcode == ABNF.OPCODE_TEXT:
                    with self._cond:
                        self.frames.append(json.loads(frame.data.decode("utf-8")))
                        self._cond.notify_all()
                elif opcode == ABNF.OPCODE_CLOSE:
                    data = frame.data or b""
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                    with self._cond:
                        self.close_frame = (code, data[2:].decode("utf-8", "replace"))
                    break
        except (websocket.WebSocketException, OSError, ValueError):
            pass  # the connection ended; ``closed`` records it
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = WAIT,
                 consume: bool = True) -> dict[str, Any]:
        """The first recorded frame matching ``pred`` (removed from the record when ``consume``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, frame in enumerate(self.frames):
                    if pred(frame):
                        if consume:
                            del self.frames[i]
                        return frame
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise AssertionError(f"no matching frame within {timeout}s; got {self.frames!r}"
                                         f" (closed={self.closed}, close={self.close_frame})")
                self._cond.wait(left)

    def push(self, key: str, timeout: float = WAIT, **match: Any) -> dict[str, Any]:
        """The next push with envelope key ``key`` whose body has the given top-level values."""
        def pred(f: dict[str, Any]) -> bool:
            return "cid" not in f and key in f and all(f[key].get(k) == v for k, v in match.items())
        return self.wait_for(pred, timeout)[key]

    def pushes(self, key: str) -> list[dict[str, Any]]:
        """Every recorded, not yet consumed push of ``key`` (call after a :meth:`barrier`)."""
        with self._cond:
            return [f[key] for f in self.frames if "cid" not in f and key in f]

    def wait_closed(self, timeout: float = WAIT) -> tuple[int, str] | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("socket not closed in time")
                self._cond.wait(left)
            return self.close_frame

    # ---- writing --------------------------------------------------------------------------------
    def send(self, envelope: dict[str, Any] | str) -> None:
        self.ws.send(envelope if isinstance(envelope, str) else json.dumps(envelope))

    def request(self, key: str, body: dict[str, Any], timeout: float = WAIT) -> dict[str, Any]:
        """Send ``{cid, key: body}`` and return the reply envelope (without its cid)."""
        self._cid += 1
        cid = f"r{self._cid}"
        self.send({"cid": cid, key: body})
        reply = self.wait_for(lambda f: f.get("cid") == cid, timeout)
        reply.pop("cid")
        return reply

    def ok(self, key: str, body: dict[str, Any], reply_key: str | None = None) -> Any:
        """:meth:`request` that must succeed; returns the reply body (``{}`` for an empty ack)."""
        reply = self.request(key, body)
        assert "error" not in reply, reply
        if reply_key is None:
            assert reply == {}, reply
            return {}
        return reply[reply_key]

    def fail(self, key: str, body: dict[str, Any]) -> tuple[int, str]:
        """:meth:`request` that must fail; returns (code, message)."""
        reply = self.request(key, body)
        assert "error" in reply, reply
        return reply["error"].get("code", 0), reply["error"]["message"]

    def barrier(self) -> None:
        """Round-trip a ping: every frame the server queued for us before it has arrived."""
        self.ok("ping", {}, "pong")

    def close(self) -> None:
        try:
            self.ws.close(timeout=2)
        except (websocket.WebSocketException, OSError):
            pass  # already closed by the server
        finally:
            self.ws.shutdown()   # close() skips this when its close frame cannot be sent
        self._reader.join(5)


def presence(c: WsClient, session_id: str) -> dict[str, Any]:
    return {"user_id": c.user.user_id, "session_id": session_id, "username": c.user.username}


@pytest.fixture(name="connect")
def connect_fixture(target: Target) -> Any:
    """``connect(user=None, status=True) -> WsClient`` with every socket closed at the end of the test."""
    opened: list[WsClient] = []

    def make(user: RtUser | None = None, status: bool = True) -> WsClient:
        c = WsClient(target, user or auth_user(target), status)
        opened.append(c)
        if status:  # the own status join tells us our session id
            c.session_id = c.push("status_presence_event")["joins"][0]["session_id"]
        else:
            c.session_id = ""
        return c

    yield make
    for c in opened:
        c.close()


# ---- socket lifecycle (PROTOCOL.md §3.1, §4) -------------------------------------------------------

def test_ping_pong_keeps_cid_and_empty_cid_means_none(connect: Any) -> None:
    c = connect()
    c.send({"cid": "my-cid-xyz", "ping": {}})
    assert c.wait_for(lambda f: f.get("cid") == "my-cid-xyz") == {"cid": "my-cid-xyz", "pong": {}}
    c.send({"cid": "", "ping": {}})
    assert c.wait_for(lambda f: "pong" in f) == {"pong": {}}


@pytest.mark.parametrize("frame, reason", [
    ('{"cid":"9","foo_bar":{}}', "received malformed payload"),
    ('{"ping":{"extra":1}}', "received malformed payload"),
    ('{"cid":13,"ping":{}}', "received malformed payload"),
    ('{"ping":{},"pong":{}}', "received malformed payload"),
    ('not json', "received malformed payload"),
    ('{}', "error processing message"),
    ('{"cid":"11"}', "error processing message"),
])
def test_bad_envelopes_close_the_socket(connect: Any, frame: str, reason: str) -> None:
    c = connect()
    c.send(frame)
    assert c.wait_closed() == (1000, reason)
    assert not [f for f in c.frames if "error" in f]


def test_binary_frame_closes_the_socket(connect: Any) -> None:
    c = connect()
    c.ws.send_binary(b'{"ping":{}}')
    assert c.wait_closed() == (1000, "received unexpected WebSocket message type")


def test_message_over_4096_bytes_closes_with_1009(connect: Any, target: Target) -> None:
    c = connect()
    c.send({"rpc": {"id": "echo", "payload": "x" * 5000}})
    close = c.wait_closed()
    # Nakama writes close 1009 and drops the connection with the rest of the message unread, so the
    # client often sees a TCP reset that discards the close frame: the session ends either way.
    assert close is None and target.external or close == (1009, "")
    assert not c.frames


@pytest.mark.parametrize("code", [1000, 1001, 4000])
def test_client_close_is_echoed(connect: Any, code: int) -> None:
    c = connect()
    c.ws.send_close(code, b"bye")
    assert c.wait_closed() == (code, "")


def test_bad_upgrades_are_plain_http_errors(target: Target) -> None:
    user = auth_user(target)
    base = http_base(target)
    resp = requests.get(f"{base}/ws", params={"token": "garbage"}, timeout=WAIT)
    assert (resp.status_code, resp.text) == (401, "Missing or invalid token\n")
    resp = requests.get(f"{base}/ws", params={"token": user.token, "format": "xml"}, timeout=WAIT)
    assert (resp.status_code, resp.text) == (400, "Invalid format parameter\n")
