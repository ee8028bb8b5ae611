"""Network conditions in the dev server: latency, jitter, loss and a bandwidth cap per session.

On loopback every game feels perfect. These settings make the dev server behave like a server far away,
so a game can learn to hide latency before demo day. They apply to each socket session, in both
directions (what the server receives from that client, and what it sends to it), and to HTTP requests:

- ``latency_ms``: a one-way delay added each way. A round trip to the server grows by twice this; match
  data from player A to player B goes through A's incoming and B's outgoing delay.
- ``jitter_ms``: each frame's delay is ``latency_ms`` plus a uniform random amount in
  ``[-jitter_ms, +jitter_ms]`` (never below zero). A WebSocket never reorders, so neither does jitter:
  a frame is never delivered before the one sent ahead of it on the same session and direction
  (delivery times per session are monotonic), it waits for it instead.
- ``loss``: the chance, 0 to 1, that a frame of match data is dropped, in each direction. Only match data
  whose sender marked it unreliable (``reliable`` false in ``match_data_send`` / ``match_data``, as in
  Nakama's rtapi) can be lost; everything else is delayed, never dropped.
- ``bandwidth_kbps``: a cap in kilobits per second per direction (0: none). A frame occupies the link for
  ``8 * bytes / (1000 * kbps)`` seconds after the frames ahead of it. When more frames wait for the link
  than the session's ``outgoing_queue_size``, the session is closed as a slow consumer, as in Nakama.
- ``http_latency_ms``: a delay added to every HTTP request (half on the way in, half on the way out);
  ``None`` means ``2 * latency_ms``, a round trip.

Random draws come from a generator per session and direction seeded with ``conditions_seed``, the
session's username and the direction, so the same players see the same drops and delays on every run.

Frames still held when a session closes are handed to the socket's writer before the close frame: they
arrive early rather than never. WebSocket-level pings (the server's liveness check) are not delayed.

Every method of :class:`NetworkShaper` runs on the dev server's loop thread; :class:`ConditionsTable`
may be changed from any thread (``DevServer.set_conditions``).
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..exceptions import NakamaError

if TYPE_CHECKING:
    from ._hub import Hub
    from ._ws import WsSession

__all__ = ["ConditionsTable", "InvalidConditions", "NetworkConditions", "NetworkShaper", "http_middleware"]

log = logging.getLogger("nakama_sync.devserver")
_KEY = "conditions"   # WsSession.data key of the session's _Link


class InvalidConditions(NakamaError, ValueError):
    """A network condition out of range (negative delay, loss outside 0..1, ...)."""


@dataclass(frozen=True)
class NetworkConditions:
    """One set of conditions (see the module docstring for what each field does).

    Example: ``NetworkConditions(latency_ms=120, jitter_ms=30, loss=0.05)``. Immutable; any thread.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    loss: float = 0.0
    bandwidth_kbps: float = 0.0

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms", "bandwidth_kbps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 3.6e6:
                raise InvalidConditions(f"{name} must be a number from 0 to 3600000, not {value!r}")
        if isinstance(self.loss, bool) or not isinstance(self.loss, (int, float)) or not 0 <= self.loss <= 1:
            raise InvalidConditions(f"loss must be a number from 0 to 1, not {self.loss!r}")

    @property
    def active(self) -> bool:
        """True when anything is added to a frame's trip. Example: ``if conditions.active: ...``"""
        return bool(self.latency_ms or self.jitter_ms or self.loss or self.bandwidth_kbps)

    def describe(self) -> str:
        """One line for the log. Example: ``'latency 120 ms ±30 ms jitter, 5% loss of unreliable match data'``"""
        if not self.active:
            return "none (loopback)"
        parts = [f"latency {self.latency_ms:g} ms ±{self.jitter_ms:g} ms jitter each way"]
        if self.loss:
            parts.append(f"{self.loss:.1%} loss of unreliable match data each way")
        if self.bandwidth_kbps:
            parts.append(f"bandwidth {self.bandwidth_kbps:g} kbit/s each way")
        return ", ".join(parts)


@dataclass
class _Counts:
    delayed_out: int = 0      # frames to clients that went through a delay
    delayed_in: int = 0       # frames from clients that went through a delay
    dropped_out: int = 0      # unreliable match data not delivered to a client
    dropped_in: int = 0       # unreliable match_data_send dropped before the server saw it
    delay_ms_out: float = 0.0  # summed planned delays (for the mean)
    delay_ms_in: float = 0.0
    http_delayed: int = 0

    def add(self, other: _Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class ConditionsTable:
    """The settings: conditions for all sessions, per-user overrides, HTTP latency, seed; and the counts.

    Owned by the :class:`DevServer` (it survives a restart). Setters may be called from any thread; the
    loop thread reads with no lock (each setter swaps in a new immutable value).
    Example: ``table.set(user_id=None, latency_ms=100)``
    """

    def __init__(self, conditions: NetworkConditions, http_latency_ms: float | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.all = conditions
        self.users: dict[str, NetworkConditions] = {}
        self.http_latency_ms = _check_http(http_latency_ms)
        self.seed = seed
        self.counts = _Counts()

    def for_user(self, user_id: str) -> NetworkConditions:
        """The conditions of a user's sessions. Any thread. Example: ``table.for_user(uid).latency_ms``"""
        return self.users.get(user_id, self.all)

    def http_delay_sec(self) -> float:
        """The delay added to one HTTP request, in seconds. Any thread."""
        ms = self.http_latency_ms if self.http_latency_ms is not None else 2 * self.all.latency_ms
        return ms / 1000.0

    def set(self, user_id: str | None = None, **changes: Any) -> NetworkConditions:
        """Change the conditions of every session (``user_id=None``) or of one user's sessions.

        Fields not given keep their value (for a user: from the user's own override, else from the
        conditions of all). ``http_latency_ms`` applies to all only. Returns the new conditions; logs one
        line. Raises :class:`InvalidConditions`. Any thread. Example: ``table.set(uid, loss=0.1)``
        """
        changes = {k: v for k, v in changes.items() if v is not None}
        http = changes.pop("http_latency_ms", None)
        if http is not None and user_id is not None:
            raise InvalidConditions("http_latency_ms applies to every session: set it without user_id")
        unknown = set(changes) - set(NetworkConditions.__dataclass_fields__)
        if unknown:
            raise InvalidConditions(f"unknown network condition(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if user_id is None:
                new = replace(self.all, **changes)
                self.http_latency_ms = _check_http(http) if http is not None else self.http_latency_ms
                self.all = new
                log.info("network conditions for all sessions: %s; http latency %g ms (seed %d)",
                         new.describe(), self.http_delay_sec() * 1000, self.seed)
            else:
                new = replace(self.for_user(user_id), **changes)
                self.users = {**self.users, user_id: new}
                log.info("network conditions for user %s: %s", user_id, new.describe())
        return new

    def clear(self, user_id: str | None = None) -> None:
        """Drop a user's override (back to the conditions of all), or with no user reset everything to
        loopback. Any thread. Example: ``table.clear(uid)``"""
        with self._lock:
            if user_id is not None:
                self.users = {k: v for k, v in self.users.items() if k != user_id}
                log.info("network conditions for user %s: as for all sessions", user_id)
                return
            self.users, self.all, self.http_latency_ms = {}, NetworkConditions(), None
            log.info("network conditions cleared: loopback")

    def stats(self, counts: _Counts | None = None) -> dict[str, Any]:
        """What was delayed and dropped (``counts``, default: of closed sessions), as a JSON-ready dict.

        Any thread. Example: ``table.stats()["match_data_dropped_to_clients"]``
        """
        c = counts or self.counts
        return {
            "conditions": {"all": asdict(self.all), "users": {k: asdict(v) for k, v in self.users.items()},
                           "http_latency_ms": self.http_delay_sec() * 1000, "seed": self.seed},
            "frames_delayed_to_clients": c.delayed_out,
            "frames_delayed_from_clients": c.delayed_in,
            "match_data_dropped_to_clients": c.dropped_out,
            "match_data_dropped_from_clients": c.dropped_in,
            "mean_delay_ms_to_clients": c.delay_ms_out / c.delayed_out if c.delayed_out else 0.0,
            "mean_delay_ms_from_clients": c.delay_ms_in / c.delayed_in if c.delayed_in else 0.0,
            "http_requests_delayed": c.http_delayed,
        }


def _check_http(value: float | None) -> float | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 3.6e6):
        raise InvalidConditions(f"http_latency_ms must be a number from 0 to 3600000, not {value!r}")
    return value


# ---- one direction of one session ------------------------------------------------------------
@dataclass
class _Pipe:
    """Frames of one direction of one session, each held until its delivery time (loop thread only)."""

    delays: random.Random
    losses: random.Random
    deliver: Callable[[Any], Awaitable[None] | None]
    last_due: float = 0.0          # delivery times never go backwards: order is kept
    wire_free_at: float = 0.0      # bandwidth: when the link finishes the frames ahead
    items: deque[tuple[float, Any]] = field(default_factory=deque)
    wire_starts: deque[float] = field(default_factory=deque)
    task: asyncio.Future[None] | None = None
    busy: bool = False
    counts: _Counts = field(default_factory=_Counts)

    @property
    def backlog(self) -> bool:
        return bool(self.items) or self.busy

    def lost(self, conditions: NetworkConditions) -> bool:
        return bool(conditions.loss) and self.losses.random() < conditions.loss

    def schedule(self, conditions: NetworkConditions, size: int, now: float) -> tuple[float, int]:
        """The delivery time of a frame of ``size`` bytes sent now, and how many frames wait for the link."""
        start = now
        waiting = 0
        if conditions.bandwidth_kbps:
            start = max(now, self.wire_free_at)
            self.wire_free_at = start + size * 8 / (conditions.bandwidth_kbps * 1000)
            while self.wire_starts and self.wire_starts[0] <= now:
                self.wire_starts.popleft()
            self.wire_starts.append(start)
            waiting = len(self.wire_starts)
            start = self.wire_free_at
        delay = conditions.latency_ms
        if conditions.jitter_ms:
            delay += self.delays.uniform(-conditions.jitter_ms, conditions.jitter_ms)
        due = max(start + max(delay, 0.0) / 1000.0, self.last_due)
        self.last_due = due
        return due, waiting

    def push(self, due: float, item: Any) -> None:
        self.items.append((due, item))
        if self.task is None:
            self.task = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.items:
                # sleep until the next frame is due; frames due together still go one loop turn apart,
                # so the socket's writer drains them as they come (as it would off a real network)
                await asyncio.sleep(max(0.0, self.items[0][0] - loop.time()))
                _, item = self.items.popleft()
                self.busy = True
                try:
                    result = self.deliver(item)
                    if result is not None:
                        await result
                finally:
                    self.busy = False
        finally:
            self.task = None

    def take_all(self) -> list[Any]:
        items = [item for _, item in self.items]
        self.items.clear()
        return items

    def cancel(self) -> None:
        self.items.clear()
        if self.task is not None:
            self.task.cancel()


@dataclass
class _Link:
    down: _Pipe    # server -> client
    up: _Pipe      # client -> server


class NetworkShaper:
    """Applies the :class:`ConditionsTable` to a hub's sessions. Loop thread only.

    The socket code calls three hooks: :meth:`hold_outgoing` (from ``WsSession.send``), :meth:`flush`
    (from ``WsSession.close``) and :meth:`receive` (from the socket reader). Example (in ``_ws.py``):
    ``if not self.hub.conditions.hold_outgoing(self, envelope, frame): self.send_raw(frame)``
    """

    def __init__(self, hub: Hub, table: ConditionsTable) -> None:
        self.hub = hub
        self.table = table
        hub.session_closed_hooks.append(self._closed)
        if table.all.active or table.users or table.http_latency_ms:
            log.info("network conditions for all sessions: %s; http latency %g ms (seed %d)",
                     table.all.describe(), table.http_delay_sec() * 1000, table.seed)

    def _link(self, session: WsSession) -> _Link:
        link: _Link | None = session.data.get(_KEY)
        if link is None:
            def rng(direction: str, what: str) -> random.Random:
                return random.Random(f"{self.table.seed}/{session.username}/{direction}/{what}")

            async def deliver_down(frame: Any) -> None:
                # Frames on the wire are not in the server's outgoing queue: hand them over as the writer
                # makes room, or a burst released at once (order kept under jitter) would overflow it.
                room = max(1, self.hub.config.outgoing_queue_size // 2)
                while _queued(session) >= room and not session.closed:
                    await asyncio.sleep(0.001)
                session.send_raw(frame)

            async def deliver_up(item: Any) -> None:
                text, dispatch = item
                if not session.closed:
                    await dispatch(session, text)
            link = _Link(down=_Pipe(rng("down", "delay"), rng("down", "loss"), deliver_down),
                         up=_Pipe(rng("up", "delay"), rng("up", "loss"), deliver_up))
            session.data[_KEY] = link
        return link

    # ---- the hooks ---------------------------------------------------------------------------
    def hold_outgoing(self, session: WsSession, envelope: dict[str, Any], frame: str | bytes) -> bool:
        """Take charge of a frame for ``session``: True when it is held (or dropped), False to send it now."""
        conditions = self.table.for_user(session.user_id)
        link: _Link | None = session.data.get(_KEY)
        if session.closed or (not conditions.active and (link is None or not link.down.backlog)):
            return False
        pipe = self._link(session).down
        data = envelope.get("match_data")
        if isinstance(data, dict) and not data.get("reliable") and pipe.lost(conditions):
            pipe.counts.dropped_out += 1
            return True
        loop = asyncio.get_running_loop()
        now = loop.time()
        size = len(frame) if isinstance(frame, bytes) or not conditions.bandwidth_kbps else len(frame.encode())
        due, waiting = pipe.schedule(conditions, size, now)
        if waiting > self.hub.config.outgoing_queue_size:
            pipe.take_all()
            session.close("session outgoing queue full")
            return True
        pipe.counts.delayed_out += 1
        pipe.counts.delay_ms_out += (due - now) * 1000
        pipe.push(due, frame)
        return True

    def flush(self, session: WsSession) -> None:
        """Before a close: hand every held outgoing frame to the writer, in order (they arrive early)."""
        link: _Link | None = session.data.get(_KEY)
        if link is None:
            return
        frames = link.down.take_all()
        for frame in frames:
            session.send_raw(frame)

    async def receive(self, session: WsSession, text: str,
                      dispatch: Callable[[WsSession, str], Awaitable[None]]) -> None:
        """A text frame from the client: dispatch it now, or after its delay (or drop unreliable data)."""
        conditions = self.table.for_user(session.user_id)
        link: _Link | None = session.data.get(_KEY)
        if not conditions.active and (link is None or not link.up.backlog):
            await dispatch(session, text)
            return
        pipe = self._link(session).up
        if conditions.loss and _MATCH_DATA_SEND.search(text) and not _reliable(text) and pipe.lost(conditions):
            pipe.counts.dropped_in += 1
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        size = len(text.encode()) if conditions.bandwidth_kbps else len(text)
        due, _ = pipe.schedule(conditions, size, now)
        pipe.counts.delayed_in += 1
        pipe.counts.delay_ms_in += (due - now) * 1000
        pipe.push(due, (text, dispatch))

    def _closed(self, session: WsSession) -> None:
        link: _Link | None = session.data.pop(_KEY, None)
        if link is None:
            return
        link.down.cancel()
        link.up.cancel()
        total = _Counts()
        total.add(link.down.counts)
        total.add(link.up.counts)
        self.table.counts.add(total)
        log.info("session %s (%s) under network conditions: %d frames delayed to it (mean %.0f ms), %d from it "
                 "(mean %.0f ms); unreliable match data dropped: %d to it, %d from it",
                 session.session_id, session.username or session.user_id,
                 total.delayed_out, total.delay_ms_out / max(total.delayed_out, 1),
                 total.delayed_in, total.delay_ms_in / max(total.delayed_in, 1),
                 total.dropped_out, total.dropped_in)

    def live_counts(self) -> _Counts:
        """The table's counts plus those of sessions still open."""
        total = _Counts()
        total.add(self.table.counts)
        for session in self.hub.sessions.values():
            link: _Link | None = session.data.get(_KEY)
            if link is not None:
                total.add(link.down.counts)
                total.add(link.up.counts)
        return total


def _queued(session: WsSession) -> int:
    """Frames waiting in the session's outgoing queue (0 if the socket code keeps none we can see)."""
    queue = getattr(session, "queue", None)
    qsize = getattr(queue, "qsize", None)
    return int(qsize()) if callable(qsize) else 0


_MATCH_DATA_SEND = re.compile(r'"(?:match_data_send|matchDataSend)"')   # both JSON spellings Nakama takes


def _reliable(text: str) -> bool:
    """Whether a ``match_data_send`` frame asks for reliable delivery (unreadable: treat as reliable)."""
    try:
        envelope = json.loads(text)
        body = envelope.get("match_data_send", envelope.get("matchDataSend"))
        return body.get("reliable", False) is not False   # absent or false: unreliable; a bad value: kept
    except (ValueError, KeyError, TypeError, AttributeError):
        return True   # the dispatcher rejects it; never drop what we cannot read


@web.middleware
async def http_middleware(request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
    """Delay each HTTP request by the table's HTTP latency (half before it is handled, half after)."""
    from ._hub import HUB_KEY
    hub = request.app[HUB_KEY]
    delay = hub.conditions.table.http_delay_sec()
    if delay <= 0 or request.path == "/ws":
        return await handler(request)
    hub.conditions.table.counts.http_delayed += 1
    await asyncio.sleep(delay / 2)
    response = await handler(request)
    await asyncio.sleep(delay / 2)
    return response
