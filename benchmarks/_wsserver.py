"""A minimal WebSocket server for the benchmarks, made only of the standard library.

It runs in its own process (``python benchmarks/_wsserver.py --count N``) so that it never competes with
the client under test for the GIL. After the upgrade (``GET /ws?...&token=...``, any token) it waits for
``go`` on stdin, then sends N pre-encoded Nakama ``match_data`` frames with one ``sendall`` per chunk.
It answers what a client may send meanwhile: WebSocket pings (pong), close frames (close), ``ping``
envelopes (``pong`` with the cid) and ``rpc`` envelopes (echo), and counts every other text frame, so it
doubles as a sink for the send benchmark. Replies wait until a running blast is done, so a request sent
after ``go`` is answered only after every blast frame: a reply proves the client read them all.

stdin commands (one per line; each answered on stdout):
    go            -> blast the latest connection; prints ``sent``
    wait N        -> block until the latest connection has sent N counted text frames; prints ``got N``
    count         -> prints ``got N`` now
stdout starts with ``PORT <port>``. EOF on stdin ends the server.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
from typing import Any

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MATCH_ID = "e8c377cc-f892-4442-87bc-453d894d56e7."
PRESENCE = {"user_id": "495623a6-efe6-4d1d-8cc8-5a25fcd05bcc",
            "session_id": "cd419373-e917-11f1-97a8-7106fdcb5b46", "username": "bench_sender"}


def match_data_text(payload_size: int = 64, seq: int = 0) -> bytes:
    """One ``match_data`` envelope as real Nakama 3.40 sends it (transcripts/match_relayed.json)."""
    data = bytes((seq + i) % 256 for i in range(payload_size))
    body = {"match_data": {"match_id": MATCH_ID, "presence": PRESENCE, "op_code": "1",
                           "data": base64.b64encode(data).decode("ascii")}}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def encode_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """An unmasked, final server frame."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


class _Conn:
    def __init__(self, sock: socket.socket, stream: bytes, chunk: int) -> None:
        self.sock = sock
        self.stream = stream
        self.chunk = chunk
        self.send_lock = threading.Lock()
        self.counted = 0
        self.cond = threading.Condition()
        self.closed = False

    # ---- handshake ----------------------------------------------------------------------
    def handshake(self, rfile: Any, on_ready: Any) -> bool:
        """Read the upgrade request; ``on_ready()`` runs before the 101 goes out (no race with ``go``)."""
        request = rfile.readline(65536).decode("latin-1")
        headers: dict[str, str] = {}
        while True:
            line = rfile.readline(65536).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = request.split()
        key = headers.get("sec-websocket-key", "")
        auth = headers.get("authorization", "")
        if len(parts) < 2 or parts[0] != "GET" or not parts[1].startswith("/ws") or not key:
            self.sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        if "token=" not in parts[1] and not auth.startswith("Bearer "):
            self.sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")
        on_ready()
        self.sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode("ascii"))
        return True

    # ---- output -------------------------------------------------------------------------
    def send(self, frame: bytes) -> None:
        with self.send_lock:
            try:
                self.sock.sendall(frame)
            except OSError:
                self.closed = True

    def blast(self) -> None:
        view = memoryview(self.stream)
        with self.send_lock:
            try:
                for start in range(0, len(view), self.chunk):
                    self.sock.sendall(view[start:start + self.chunk])
            except OSError:
                self.closed = True

    # ---- input --------------------------------------------------------------------------
    def read_loop(self, rfile: Any) -> None:
        try:
            while True:
                head = rfile.read(2)
                if len(head) < 2:
                    break
                opcode = head[0] & 0x0F
                n = head[1] & 0x7F
                if n == 126:
                    (n,) = struct.unpack("!H", rfile.read(2))
                elif n == 127:
                    (n,) = struct.unpack("!Q", rfile.read(8))
                mask = rfile.read(4) if head[1] & 0x80 else b""
                payload = rfile.read(n)
                if len(payload) < n:
                    break
                if mask:
                    payload = _unmask(payload, mask)
                if opcode == 0x8:
                    self.send(encode_frame(payload[:2], 0x8))
                    break
                if opcode == 0x9:
                    self.send(encode_frame(payload, 0xA))
                elif opcode == 0x1:
                    self._text(payload)
        except OSError:
            pass
        finally:
            self.closed = True
            with self.cond:
                self.cond.notify_all()
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def _text(self, payload: bytes) -> None:
        if b'"ping"' in payload or b'"rpc"' in payload:
            envelope = json.loads(payload)
            cid = envelope.get("cid")
            if "ping" in envelope:
                reply: dict[str, Any] = {"pong": {}}
            elif "rpc" in envelope:
                rpc = envelope["rpc"]
                reply = {"rpc": {"id": rpc.get("id", ""), **({"payload": rpc["payload"]}
                                                               if rpc.get("payload") else {})}}
            else:
                reply = {}
            if reply:
                if cid:
                    reply = {"cid": cid, **reply}
                self.send(encode_frame(json.dumps(reply, separators=(",", ":")).encode("utf-8")))
                return
        with self.cond:
            self.counted += 1
            self.cond.notify_all()

    def wait_counted(self, n: int, timeout: float) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.counted >= n or self.closed, timeout)
            return self.counted


def _unmask(payload: bytes, mask: bytes) -> bytes:
    n = len(payload)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")


class _Server:
    def __init__(self, count: int, payload_size: int, auto_go: bool) -> None:
        frame = encode_frame(match_data_text(payload_size))
        self.stream = frame * count
        self.chunk = max(len(frame), (256 * 1024 // len(frame)) * len(frame))
        self.auto_go = auto_go
        self.latest: _Conn | None = None
        self.ready = threading.Condition()
        self.listener = socket.create_server(("127.0.0.1", 0))

    def serve(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        conn = _Conn(sock, self.stream, self.chunk)
        rfile = sock.makefile("rb", buffering=65536)
        def ready() -> None:
            with self.ready:
                self.latest = conn
                self.ready.notify_all()
        try:
            if not conn.handshake(rfile, ready):
                sock.close()
                return
        except OSError:
            sock.close()
            return
        if self.auto_go:
            threading.Thread(target=conn.blast, daemon=True).start()
        conn.read_loop(rfile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--payload", type=int, default=64)
    parser.add_argument("--auto-go", action="store_true", help="blast right after each upgrade")
    args = parser.parse_args(argv)
    server = _Server(args.count, args.payload, args.auto_go)
    threading.Thread(target=server.serve, daemon=True).start()
    out = sys.stdout
    out.write(f"PORT {server.listener.getsockname()[1]}\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        conn = server.latest
        if conn is None:
            out.write("error no connection\n")
        elif words[0] == "go":
            conn.blast()
            out.write("sent\n")
        elif words[0] == "wait":
            timeout = float(words[2]) if len(words) > 2 else 60.0
            out.write(f"got {conn.wait_counted(int(words[1]), timeout)}\n")
        elif words[0] == "count":
            out.write(f"got {conn.counted}\n")
        else:
            out.write(f"error unknown command {words[0]}\n")
        out.flush()
    server.listener.close()
    os._exit(0)  # daemon threads may sit in accept/recv; nothing to flush


if __name__ == "__main__":
    raise SystemExit(main())
