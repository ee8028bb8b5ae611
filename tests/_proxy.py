"""A small loopback TCP proxy for fault injection: cut, blackhole, delay, refuse.

One thread runs a ``selectors`` loop. Each accepted client connection gets its own upstream connection
to the target; bytes are forwarded both ways. Faults:

- ``cut()``: close every current connection at once (the client sees EOF; what the proxy already
  forwarded stays readable by the client, as with a FIN from a dying router);
- ``blackhole()``: the current connections stay open but nothing is forwarded any more (bytes are
  read and dropped), like a Wi-Fi that silently stopped working; new connections work;
- ``delay(seconds)``: every chunk is held that long before it is forwarded;
- ``refuse(True)``: new connections are accepted and closed at once (the upgrade fails);
- ``cut_after(n)``: cut the next connection once ``n`` bytes went from the server to the client.

``recordings`` keeps, per connection, the bytes sent to the client (with ``record=True``), so a test
can tell exactly which frames reached the client before a cut.
"""
from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync.client import RetryConfig
from nakama_sync.socket import ReconnectPolicy


class _Pair:
    __slots__ = (
        "blackholed",
        "client",
        "closed",
        "cut_after",
        "recorded",
        "sent_to_client",
        "server",
        "to_client",
        "to_server",
    )

    def __init__(self, client: socket.socket, server: socket.socket, record: bool) -> None:
        self.client = client
        self.server = server
        self.to_client: list[tuple[float, bytes]] = []
        self.to_server: list[tuple[float, bytes]] = []
        self.recorded: bytearray | None = bytearray() if record else None
        self.sent_to_client = 0
        self.cut_after: int | None = None
        self.closed = False
        self.blackholed = False


class Proxy:
    """``Proxy(host, port)`` forwards 127.0.0.1:<proxy.port> to host:port. Use as a context manager."""

    def __init__(self, host: str, port: int, record: bool = False) -> None:
        self.target = (host, port)
        self.record = record
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._lock = threading.Lock()
        self._commands: list[tuple[str, Any]] = []
        self._pairs: list[_Pair] = []
        self._refuse = False
        self._delay = 0.0
        self._cut_after: int | None = None
        self._stop = False
        self.accepted = 0
        self.recordings: list[bytearray] = []
        self.changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="test-proxy", daemon=True)
        self._thread.start()

    # ---- control (any thread) -------------------------------------------------------------------
    def cut(self) -> None:
        """Close every current connection now (waits until done)."""
        self._command("cut", None, wait=True)

    def blackhole(self) -> None:
        """Stop forwarding on every current connection (they stay open)."""
        self._command("blackhole", None, wait=True)

    def refuse(self, on: bool = True) -> None:
        self._command("refuse", on, wait=True)

    def delay(self, seconds: float) -> None:
        self._command("delay", seconds, wait=True)

    def cut_after(self, nbytes: int) -> None:
        """Cut the newest open connection (or, if none, the next one) after ``nbytes`` in total went to
        the client on it."""
        self._command("cut_after", nbytes, wait=True)

    def wait_for_accepts(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` connections were accepted in total."""
        with self.changed:
            return self.changed.wait_for(lambda: self.accepted >= count, timeout)

    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for p in self._pairs if not p.closed)

    def close(self) -> None:
        self._command("stop", None, wait=False)
        self._thread.join(5)
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()

    def __enter__(self) -> Proxy:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the loop ---------------------------------------------------------------------------------
    def _command(self, name: str, arg: Any, wait: bool) -> None:
        done = threading.Event()
        with self._lock:
            self._commands.append((name, (arg, done)))
        self._wake_w.send(b"x")
        if wait and not done.wait(5):
            raise TimeoutError(f"proxy did not run {name}")

    def _run(self) -> None:
        while not self._stop:
            timeout = self._next_due()
            for key, mask in self._selector.select(timeout):
                what = key.data
                if what == "accept":
                    self._accept()
                elif what == "wake":
                    try:
                        self._wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                    self._run_commands()
                else:
                    pair, side = what
                    if not pair.closed:
                        self._read(pair, side)
            self._flush_all()
        for pair in list(self._pairs):
            self._close_pair(pair)

    def _run_commands(self) -> None:
        with self._lock:
            commands, self._commands = self._commands, []
        for name, (arg, done) in commands:
            if name == "cut":
                for pair in list(self._pairs):
                    self._close_pair(pair)
            elif name == "blackhole":
                for pair in self._pairs:
                    pair.blackholed = True
                    pair.to_client.clear()
                    pair.to_server.clear()
            elif name == "refuse":
                self._refuse = arg
            elif name == "delay":
                self._delay = arg
            elif name == "cut_after":
                live = [p for p in self._pairs if not p.closed]
                if live:
                    live[-1].cut_after = arg
                else:
                    self._cut_after = arg
            elif name == "stop":
                self._stop = True
            done.set()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        with self.changed:
            self.accepted += 1
            self.changed.notify_all()
        if self._refuse:
            client.close()
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        for sock in (client, server):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = _Pair(client, server, self.record)
        if self._cut_after is not None:
            pair.cut_after, self._cut_after = self._cut_after, None
        if pair.recorded is not None:
            self.recordings.append(pair.recorded)
        with self._lock:
            self._pairs.append(pair)
        self._selector.register(client, selectors.EVENT_READ, (pair, "client"))
        self._selector.register(server, selectors.EVENT_READ, (pair, "server"))

    def _read(self, pair: _Pair, side: str) -> None:
        sock = pair.client if side == "client" else pair.server
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            if side == "server":   # forward what is left, then close
                self._flush(pair, force=True)
            self._close_pair(pair)
            return
        if pair.blackholed:
            return
        due = time.monotonic() + self._delay
        (pair.to_server if side == "client" else pair.to_client).append((due, data))

    def _flush_all(self) -> None:
        for pair in list(self._pairs):
            if not pair.closed:
                self._flush(pair)

    def _flush(self, pair: _Pair, force: bool = False) -> None:
        now = time.monotonic()
        for queue, dest in ((pair.to_server, pair.server), (pair.to_client, pair.client)):
            while queue and (force or queue[0][0] <= now) and not pair.closed:
                data = queue[0][1]
                if dest is pair.client and pair.cut_after is not None:
                    room = pair.cut_after - pair.sent_to_client
                    if room <= 0:
                        self._close_pair(pair)
                        return
                    data = data[:room]
                try:
                    dest.settimeout(5.0)
                    dest.sendall(data)
                    dest.setblocking(False)
                except OSError:
                    self._close_pair(pair)
                    return
                if dest is pair.client:
                    pair.sent_to_client += len(data)
                    if pair.recorded is not None:
                        pair.recorded += data
                    if pair.cut_after is not None and pair.sent_to_client >= pair.cut_after:
                        self._close_pair(pair)
                        return
                queue.pop(0)

    def _next_due(self) -> float | None:
        due = [q[0][0] for p in self._pairs if not p.closed for q in (p.to_client, p.to_server) if q]
        if not due:
            return None
        return max(0.0, min(due) - time.monotonic())

    def _close_pair(self, pair: _Pair) -> None:
        if pair.closed:
            return
        pair.closed = True
        for sock in (pair.client, pair.server):
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
        # drain what the client sent, so closing sends a FIN (not a RST that could discard data the
        # client has not read yet)
        try:
            while pair.client.recv(65536):
                pass
        except OSError:
            pass
        for sock in (pair.client, pair.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)


# ---- fixtures and helpers shared by tests/test_reconnect_*.py -------------------------------------------

#: Short waits so that a reconnect takes milliseconds in tests.
FAST = ReconnectPolicy(base_delay=0.02, max_delay=0.2, max_elapsed=20.0, attempt_timeout=3.0)


@pytest.fixture
def proxy(target: Any) -> Any:
    """A Proxy in front of the test target (the dev server, or a real Nakama from NAKAMA_HOST)."""
    with Proxy(target.host, target.port) as p:
        yield p


@pytest.fixture
def proxied(target: Any, proxy: Proxy) -> Any:
    """``proxied()`` -> a Client whose HTTP and socket traffic goes through ``proxy`` (closed after)."""
    made: list[nakama_sync.Client] = []

    def make(**options: Any) -> nakama_sync.Client:
        options.setdefault("retries", RetryConfig(max_attempts=1))
        c = nakama_sync.Client(server_key=target.server_key, host="127.0.0.1", port=proxy.port, ssl=target.ssl,
                               **options)
        made.append(c)
        return c
    yield make
    for c in made:
        c.close()


@pytest.fixture
def silent_socket(proxied: Any, proxy: Proxy, new_session: Any) -> Any:
    """``silent_socket(**options) -> (socket, session)``: a socket connected through ``proxy``, which then
    blackholes it: the server goes silent (no replies, no pongs) on any target. Closed after the test."""
    made: list[nakama_sync.Socket] = []

    def make(**options: Any) -> tuple[nakama_sync.Socket, nakama_sync.Session]:
        session = new_session()
        sock = proxied().create_socket(**options)
        made.append(sock)
        sock.connect(session, connect_timeout=10)
        sock.ping()                     # the connection is up and answering...
        proxy.blackhole()               # ...and from now on nothing comes back
        return sock, session
    yield make
    for sock in made:
        sock.close()


class Events:
    """Every event of the given signals of a socket, in arrival order, as (signal name, event)."""

    def __init__(self, sock: nakama_sync.Socket, *names: str) -> None:
        self.items: list[tuple[str, Any]] = []
        for name in names:
            sock.on(name, lambda sender, event, _n=name: self.items.append((_n, event)))

    def of(self, name: str) -> list[Any]:
        return [e for n, e in self.items if n == name]
