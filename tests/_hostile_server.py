"""A raw, hostile WebSocket server for tests: loopback, port 0, one thread per connection.

Each accepted connection runs ``script(peer)`` after the upgrade (or ``upgrade(peer_socket)`` instead of
the normal upgrade, to misbehave during the handshake). :class:`Peer` gives the script what a hostile
server needs: ``send_text``, ``send_frame`` (any opcode, fin bit, raw bytes), ``recv_message`` (client
frames, unmasked), ``trickle`` and ``close``. Example::

    def script(peer):
        peer.send_text(b'{"match_data": null}')
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = connect_to(server)   # see hostile_socket()
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import nakama_sync

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def fake_token(lifetime: int = 7200) -> str:
    """A JWT with Nakama's claims and a meaningless signature (the hostile server takes any token)."""
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    now = int(time.time())
    claims = {"tid": str(uuid.uuid4()), "uid": str(uuid.uuid4()), "usn": "hostile", "exp": now + lifetime,
              "iat": now}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    """An unmasked server frame."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = struct.pack("!BB", b0, n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 126, n)
    else:
        head = struct.pack("!BBQ", b0, 127, n)
    return head + payload


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("client went away during the upgrade")
        data += chunk
    return data


def upgrade_response(request: bytes) -> bytes:
    key = b""
    for line in request.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")


class Peer:
    """The server side of one accepted connection (the script's handle)."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self._buf = b""
        self.received: list[dict[str, Any]] = []

    def send_raw(self, data: bytes) -> None:
        self.conn.sendall(data)

    def send_frame(self, payload: bytes, opcode: int = 0x1, fin: bool = True) -> None:
        self.conn.sendall(frame(payload, opcode, fin))

    def send_text(self, payload: bytes | str | dict[str, Any]) -> None:
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        self.send_frame(payload)

    def trickle(self, data: bytes, every: float, stop: threading.Event) -> None:
        """Send ``data`` one byte at a time, one byte per ``every`` seconds, until done or ``stop``."""
        for i in range(len(data)):
            if stop.wait(every):
                return
            try:
                self.conn.sendall(data[i:i + 1])
            except OSError:
                return

    def _read(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the client in time")
            self.conn.settimeout(left)
            chunk = self.conn.recv(65536)
            if not chunk:
                raise ConnectionError("client closed")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def recv_frame(self, timeout: float = 5.0) -> tuple[int, bytes]:
        b0, b1 = self._read(2, timeout)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2, timeout))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8, timeout))[0]
        key = self._read(4, timeout) if b1 & 0x80 else b""
        data = self._read(n, timeout)
        if key:
            data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
        return b0 & 0x0F, data

    def recv_message(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next text message of the client, decoded (pings/pongs skipped)."""
        while True:
            opcode, data = self.recv_frame(timeout)
            if opcode == 0x1:
                message: dict[str, Any] = json.loads(data)
                self.received.append(message)
                return message
            if opcode == 0x8:
                raise ConnectionError("client sent close")

    def reply(self, request: dict[str, Any], body: dict[str, Any]) -> None:
        self.send_text({"cid": request["cid"], **body})

    def close_with(self, code: int, reason: str = "") -> None:
        self.send_frame(struct.pack("!H", code) + reason.encode(), 0x8)

    def wait_closed(self, timeout: float = 10.0) -> None:
        """Read (and drop) until the client goes away or ``timeout``."""
        self.conn.settimeout(timeout)
        try:
            while self.conn.recv(65536):
                pass
        except OSError:
            pass


class HostileServer:
    """``HostileServer(script, upgrade=None)``: each connection gets ``script(Peer)`` after the upgrade.

    ``upgrade(conn)`` replaces the normal handshake (return False to skip the script). ``connections``
    counts accepted connections. ``stop`` is an Event scripts may wait on; it is set on close.
    """

    def __init__(self, script: Callable[[Peer], Any],
                 upgrade: Callable[[socket.socket], bool] | None = None) -> None:
        self.script = script
        self.upgrade = upgrade
        self.stop = threading.Event()
        self.connections = 0
        self.errors: list[BaseException] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)
        self._acceptor.start()

    def client(self, **options: Any) -> nakama_sync.Client:
        return nakama_sync.Client(host="127.0.0.1", port=self.port, **options)

    def session(self) -> nakama_sync.Session:
        token = fake_token()
        return nakama_sync.Session.restore(token, token)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), name="hostile-conn", daemon=True)
            thread.start()
            self._threads.append(thread)   # started first: close() may join it at any moment

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.upgrade is not None:
                if not self.upgrade(conn):
                    return
            else:
                conn.sendall(upgrade_response(read_request(conn)))
            self.script(Peer(conn))
        except (OSError, ConnectionError, TimeoutError):
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test through .errors
            self.errors.append(exc)

    def close(self) -> None:
        self.stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)   # wakes the blocked accept() (Linux)
        except OSError:
            pass
        self._listener.close()
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        for thread in self._threads:
            thread.join(5)
        self._acceptor.join(5)

    def __enter__(self) -> HostileServer:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
