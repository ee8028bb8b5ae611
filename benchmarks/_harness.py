"""What every benchmark shares: result rows, sizes, the blast-server process, the dev server, tokens."""
from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_SCRIPT = os.path.join(HERE, "_wsserver.py")


@dataclass
class Row:
    """One line of the results table.

    ``ratio`` is value/floor (or floor/value for lower-is-better units, so that 1.0 is always "as good
    as the floor" and bigger is better); ``goal`` is the target that ratio is held against, as text.
    """

    bench: str
    variant: str
    value: float | None
    unit: str
    ratio: float | None = None
    goal: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Sizes:
    """How big each benchmark runs; ``for_mode`` picks full, quick or smoke."""

    frames: int = 100_000          # receive path
    poll_calls: int = 1_000_000
    rpc_calls: int = 2_000
    sends: int = 50_000
    http_calls: int = 2_000
    mem_frames: int = 20_000
    relay_rounds: int = 2_000
    strace_frames: int = 20_000
    decode_frames: int = 20_000
    repeats: int = 3               # best-of for throughput runs

    @classmethod
    def for_mode(cls, mode: str) -> Sizes:
        if mode == "full":
            return cls()
        if mode == "quick":
            return cls(frames=20_000, poll_calls=200_000, rpc_calls=500, sends=10_000, http_calls=300,
                       mem_frames=5_000, relay_rounds=300, strace_frames=5_000, decode_frames=5_000,
                       repeats=1)
        if mode == "smoke":
            return cls(frames=300, poll_calls=2_000, rpc_calls=20, sends=200, http_calls=10, mem_frames=200,
                       relay_rounds=10, strace_frames=300, decode_frames=200, repeats=1)
        raise ValueError(f"unknown mode {mode!r}")


@dataclass
class Context:
    sizes: Sizes
    mode: str
    log: Callable[[str], None] = print
    _devserver: Any = None
    _cleanups: list[Callable[[], None]] = field(default_factory=list)

    def devserver(self) -> Any:
        """The embedded dev server (started once, with the test RPCs ``echo``/``fail``)."""
        if self._devserver is None:
            from nakama_sync.devserver import DevServer
            server = DevServer(port=0, token_expiry_sec=7200, refresh_token_expiry_sec=86400)
            server.register_rpc("echo", lambda ctx, payload: payload)
            server.start()
            self._devserver = server
            self._cleanups.append(server.stop)
        return self._devserver

    def close(self) -> None:
        while self._cleanups:
            try:
                self._cleanups.pop()()
            except Exception as exc:  # noqa: BLE001 - a cleanup failure must not hide the results
                self.log(f"cleanup failed: {exc!r}")


class NotAvailable(Exception):
    """A benchmark (or one variant) cannot run here; the message says why (shown as ``n/a``)."""


# ---- tokens --------------------------------------------------------------------------------
def fake_token(user_id: str | None = None, username: str = "bench", lifetime: int = 7200) -> str:
    """A JWT with Nakama's claims and a meaningless signature: the blast server takes any token."""
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    now = int(time.time())
    claims = {"tid": str(uuid.uuid4()), "uid": user_id or str(uuid.uuid4()), "usn": username,
              "exp": now + lifetime, "iat": now}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def dev_tokens(server: Any, username: str | None = None) -> tuple[str, str, str]:
    """(user_id, token, refresh_token) minted by the dev server itself, good for its ``/ws``."""
    user_id = str(uuid.uuid4())
    name = username or f"bench-{user_id[:8]}"
    token, refresh = server.call(lambda: server.hub.issue_tokens(user_id, name))
    return user_id, token, refresh


# ---- the blast server process --------------------------------------------------------------
class BlastServer:
    """``_wsserver.py`` in a child process. Example: ``with BlastServer(1000) as srv: srv.go()``."""

    def __init__(self, count: int, payload: int = 64, auto_go: bool = False) -> None:
        args = [sys.executable, SERVER_SCRIPT, "--count", str(count), "--payload", str(payload)]
        if auto_go:
            args.append("--auto-go")
        self.count = count
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._pending = 0
        line = self._readline(15.0)
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError(f"blast server did not start: {line!r}")
        self.port = int(line.split()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?lang=en&status=true&token={fake_token()}&format=json"

    def _readline(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not box:
            raise TimeoutError("blast server did not answer in time")
        return box[0].strip()

    def _send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def _drain(self, timeout: float = 120.0) -> None:
        while self._pending:
            line = self._readline(timeout)
            self._pending -= 1
            if not line.startswith(("sent", "got")):
                raise RuntimeError(f"blast server: {line}")

    def go(self) -> None:
        """Start the blast on the latest connection; returns at once."""
        self._drain()
        self._send("go")
        self._pending += 1

    def sent(self, timeout: float = 120.0) -> None:
        """Wait until the blast server has handed every frame to the kernel."""
        self._drain(timeout)

    def wait_received(self, n: int, timeout: float = 60.0) -> int:
        """Block until the latest connection has sent ``n`` counted text frames; returns the count."""
        self._drain()
        self._send(f"wait {n} {timeout}")
        line = self._readline(timeout + 5.0)
        if not line.startswith("got "):
            raise RuntimeError(f"blast server: {line}")
        return int(line.split()[1])

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5.0)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> BlastServer:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---- nakama_sync access ----------------------------------------------------------------------
def socket_available() -> str | None:
    """``None`` when ``nakama_sync.Socket`` is implemented, else why not."""
    try:
        import nakama_sync
    except Exception as exc:  # noqa: BLE001 - the package may be mid-edit by its other authors
        return f"nakama_sync does not import: {exc!r}"
    for name in ("connect", "poll", "close", "send_match_state", "rpc"):
        if not hasattr(nakama_sync.Socket, name):
            return f"nakama_sync.Socket has no {name}() yet"
    if not hasattr(nakama_sync.Client, "create_socket"):
        return "nakama_sync.Client has no create_socket() yet"
    return None


def require_socket() -> None:
    why = socket_available()
    if why:
        raise NotAvailable(why)


def open_socket(port: int, token: str, refresh: str | None = None, use_main_thread: bool = True,
                **options: Any) -> Any:
    """A connected ``nakama_sync.Socket`` to ``127.0.0.1:port``."""
    import nakama_sync
    client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=port, ssl=False)
    session = nakama_sync.Session.restore(token, refresh or token)
    sock = client.create_socket(use_main_thread=use_main_thread, **options)
    sock.connect(session)
    sock._bench_client = client  # keep the client alive as long as its socket
    return sock


def close_socket(sock: Any) -> None:
    try:
        sock.close()
    finally:
        client = getattr(sock, "_bench_client", None)
        if client is not None and hasattr(client, "close"):
            client.close()


# ---- statistics ------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (not modified)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def best_rate(runs: Iterator[float] | list[float]) -> float:
    """The best of several rates (the run least disturbed by the rest of the machine)."""
    return max(runs)


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 when unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def dev_session(server: Any, device_id: str | None = None) -> tuple[str, str]:
    """(token, refresh_token) of a real dev-server user (device auth over HTTP); minted when that fails."""
    import requests
    device = device_id or f"bench-{uuid.uuid4().hex}"
    try:
        reply = requests.post(f"{server.url}/v2/account/authenticate/device", params={"create": "true"},
                              json={"id": device}, auth=(server.config.server_key, ""), timeout=10)
        if reply.status_code == 200:
            body = reply.json()
            return body["token"], body["refresh_token"]
    except (requests.RequestException, ValueError, KeyError):
        pass
    _, token, refresh = dev_tokens(server)
    return token, refresh


def dev_ws_url(server: Any, token: str) -> str:
    return f"ws://127.0.0.1:{server.port}/ws?lang=en&status=true&token={token}&format=json"
