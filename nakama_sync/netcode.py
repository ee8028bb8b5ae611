"""Helpers that hide network latency in a real-time game: a server clock, snapshot interpolation, and
a fixed-rate sender. None of them touches the network by itself; they work with any socket (or none).

- :class:`ServerClock` estimates the offset from your clock to another one (the server's, or the clock
  that stamps the states you receive) and the round-trip time, from request/reply samples and pings.
  It keeps the best (lowest round trip) of its recent samples, so jitter does not shake it.
- :class:`SnapshotBuffer` holds timestamped states per entity and renders each a chosen delay behind,
  interpolating between the two states around the render time, and extrapolating for a bounded time
  when the next state is late.
- :class:`FixedRateSender` calls your send function at N Hz whatever the frame rate, with a tick number
  for the message, so the receiver can order states and place them in time (``tick / rate``).

Example (a frame loop; see docs/netcode.md for the whole picture)::

    sender = FixedRateSender(20, lambda tick: socket.send_match_state(
        match_id, 1, json.dumps({"tick": tick, "x": x, "y": y}), reliable=False))
    remote = SnapshotBuffer(delay=0.1)
    # in the match data handler:  remote.push(sid, msg["tick"] / 20, (msg["x"], msg["y"]))
    # each frame:                 sender.update(); pos = remote.sample(sid)

Times are seconds as floats; the local clock is ``time.monotonic`` unless you pass another ``clock``.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Protocol

from .exceptions import NakamaError

__all__ = ["FixedRateSender", "InvalidNetcodeSetting", "ServerClock", "SnapshotBuffer"]

Clock = Callable[[], float]
State = tuple[float, ...]


class InvalidNetcodeSetting(NakamaError, ValueError):
    """A helper was given an impossible setting (a negative delay, a rate of 0, ...)."""


class _Pinger(Protocol):
    def ping(self) -> None: ...


def _positive(name: str, value: float, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0 or (value == 0 and not allow_zero):
        raise InvalidNetcodeSetting(f"{name} must be a {'non-negative' if allow_zero else 'positive'} number, "
                                    f"not {value!r}")
    return float(value)


class _BestOfRecent:
    """The maximum of the last ``window`` values pushed, in O(1) amortized (a monotonic deque)."""

    __slots__ = ("_items", "_count", "window")

    def __init__(self, window: int) -> None:
        self.window = window
        self._items: deque[tuple[int, float]] = deque()
        self._count = 0

    def push(self, value: float) -> None:
        items = self._items
        while items and items[-1][1] <= value:
            items.pop()
        items.append((self._count, value))
        self._count += 1
        if items[0][0] <= self._count - 1 - self.window:
            items.popleft()

    @property
    def best(self) -> float | None:
        return self._items[0][1] if self._items else None


# ---- server clock ---------------------------------------------------------------------------------
class ServerClock:
    """An estimate of another clock (the server's) and of the round-trip time to it.

    Feed it request/reply samples with :meth:`measure` (or :meth:`add_sample`): your clock when the
    request left, the other clock's reading in the reply, your clock when the reply came back. Each gives
    ``rtt = received - sent`` and ``offset = remote - (sent + received) / 2``; the estimate is the sample
    with the lowest round trip among the last ``window``: jitter only ever adds delay, so the fastest
    exchange is the one whose halves were most alike. The error of the offset is at most half the
    difference between the two one-way delays of that sample. Pings (:meth:`ping`, :meth:`add_rtt`)
    refresh the round-trip time only: Nakama's ``pong`` carries no time.

    Nakama has no built-in "server time" message: read it from a reply that carries it (an RPC that
    returns the server's time, an authoritative match's state stamped with its tick time).

    Thread rules: every method may be called from any thread (a lock guards the samples).
    Example: ``clock.measure(lambda: float(socket.rpc("server_time").payload))``
    """

    def __init__(self, window: int = 16, clock: Clock = time.monotonic) -> None:
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise InvalidNetcodeSetting(f"window must be a positive int, not {window!r}")
        self._clock = clock
        self._lock = threading.Lock()
        self._samples: deque[tuple[float, float]] = deque(maxlen=window)   # (rtt, offset)
        self._rtts: deque[float] = deque(maxlen=window)

    # ---- feeding ---------------------------------------------------------------------------------
    def add_sample(self, sent_at: float, remote_time: float, received_at: float) -> None:
        """One request/reply exchange (times on your clock, ``remote_time`` on the other clock).

        Example: ``clock.add_sample(t0, reply_time, t1)``. Any thread.
        """
        rtt = received_at - sent_at
        if not (math.isfinite(rtt) and math.isfinite(remote_time)) or rtt < 0:
            raise InvalidNetcodeSetting(f"a sample must have received_at >= sent_at (got {sent_at!r}, "
                                        f"{received_at!r}) and a finite remote time")
        with self._lock:
            self._samples.append((rtt, remote_time - (sent_at + received_at) / 2))
            self._rtts.append(rtt)

    def add_rtt(self, rtt: float) -> None:
        """A round-trip time measured elsewhere (e.g. around your own ping). Any thread.

        Example: ``clock.add_rtt(0.094)``
        """
        with self._lock:
            self._rtts.append(_positive("rtt", rtt, allow_zero=True))

    def measure(self, request: Callable[[], float]) -> float:
        """Call ``request()`` (which returns the other clock's time), time it, and add the sample.

        Returns that sample's offset. Blocks as long as ``request`` does (bound it there, e.g. the
        socket's request timeout). Any thread but the socket's reader.
        Example: ``clock.measure(lambda: float(socket.rpc("server_time").payload))``
        """
        sent = self._clock()
        remote = float(request())
        received = self._clock()
        self.add_sample(sent, remote, received)
        return remote - (sent + received) / 2

    def ping(self, socket: _Pinger) -> float:
        """``socket.ping()``, timed: adds and returns the round-trip time.

        Blocks at most the socket's request timeout (then raises its ``RequestTimeout``). Any thread but
        the socket's reader. Example: ``rtt = clock.ping(socket)``
        """
        sent = self._clock()
        socket.ping()
        rtt = self._clock() - sent
        self.add_rtt(rtt)
        return rtt

    # ---- reading --------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """True once an offset is known. Any thread. Example: ``if clock.ready: ...``"""
        return bool(self._samples)

    @property
    def offset(self) -> float:
        """Other clock minus yours, from the best recent sample (0.0 before any). Any thread.

        Example: ``server_now = time.monotonic() + clock.offset``
        """
        with self._lock:
            return min(self._samples)[1] if self._samples else 0.0

    @property
    def rtt(self) -> float | None:
        """The lowest recent round-trip time in seconds (None before any). Any thread.

        Example: ``lead = clock.rtt / 2``
        """
        with self._lock:
            return min(self._rtts) if self._rtts else None

    def remote_time(self, local: float | None = None) -> float:
        """The other clock's time now (or at your clock's ``local``). Any thread.

        Example: ``clock.remote_time()``
        """
        return (self._clock() if local is None else local) + self.offset


# ---- snapshot interpolation -------------------------------------------------------------------------
class _Track:
    __slots__ = ("arrival", "snapshots")

    def __init__(self, window: int) -> None:
        self.snapshots: deque[tuple[float, State]] = deque()
        self.arrival = _BestOfRecent(window)   # best of (timestamp - received_at): the least-delayed arrival


class SnapshotBuffer:
    """Timestamped remote states per entity, rendered ``delay`` seconds behind the freshest arrivals.

    ``push(entity, timestamp, state)`` when a state arrives: ``timestamp`` is the sender's time for the
    state (e.g. ``tick / rate``), ``state`` a sequence of floats (``(x, y)``, ``(x, y, angle)``, ...).
    ``sample(entity)`` each frame: the state at the render time, interpolated linearly between the two
    states around it; past the newest state (it is late or lost) the motion is extrapolated from the last
    two states for at most ``max_extrapolation`` seconds, then held.

    The render time of an entity is on its sender's clock: ``now + offset - delay``, where ``offset`` is
    the best (least-delayed) ``timestamp - received_at`` of its last ``window`` states; so states that
    arrive up to ``delay`` later than the fastest one are still in time. Pick ``delay`` about one send
    interval plus the jitter you expect (e.g. 0.1 s for 20 Hz and +-40 ms of jitter). Out-of-order or
    repeated timestamps are ignored (``push`` returns False). Angles are interpolated as plain numbers.

    Thread rules: ``push`` may be called from any thread (e.g. a socket handler on the reader thread);
    ``sample`` from any thread; a lock guards each entity's buffer.
    Example: ``pos = buffer.sample(session_id)``
    """

    def __init__(self, delay: float = 0.1, max_extrapolation: float = 0.25, window: int = 32,
                 capacity: int = 256, clock: Clock = time.monotonic) -> None:
        self.delay = _positive("delay", delay, allow_zero=True)
        self.max_extrapolation = _positive("max_extrapolation", max_extrapolation, allow_zero=True)
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise InvalidNetcodeSetting(f"window must be a positive int, not {window!r}")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 2:
            raise InvalidNetcodeSetting(f"capacity must be an int of at least 2, not {capacity!r}")
        self._window, self._capacity, self._clock = window, capacity, clock
        self._tracks: dict[Hashable, _Track] = {}
        self._lock = threading.Lock()

    def push(self, entity: Hashable, timestamp: float, state: Sequence[float],
             received_at: float | None = None) -> bool:
        """Add a state of ``entity`` stamped ``timestamp`` (sender's clock), received now (or at
        ``received_at`` on your clock). Returns False, keeping nothing, for a timestamp not newer than the
        newest one. Any thread. Example: ``buffer.push(sid, msg["tick"] / 20, (msg["x"], msg["y"]))``
        """
        values = tuple([float(v) for v in state])
        if not math.isfinite(timestamp):
            raise InvalidNetcodeSetting(f"timestamp must be finite, not {timestamp!r}")
        received = self._clock() if received_at is None else received_at
        with self._lock:
            track = self._tracks.get(entity)
            if track is None:
                track = self._tracks[entity] = _Track(self._window)
            snaps = track.snapshots
            if snaps and timestamp <= snaps[-1][0]:
                return False
            if snaps and len(values) != len(snaps[-1][1]):
                raise InvalidNetcodeSetting(f"state of {entity!r} has {len(values)} values, "
                                            f"earlier ones {len(snaps[-1][1])}")
            snaps.append((timestamp, values))
            if len(snaps) > self._capacity:
                snaps.popleft()
            track.arrival.push(timestamp - received)
            return True

    def render_time(self, entity: Hashable, now: float | None = None) -> float | None:
        """The time (on the entity's sender clock) ``sample`` renders at now; None for an unknown entity.

        Any thread. Example: ``buffer.render_time(sid)``
        """
        with self._lock:
            track = self._tracks.get(entity)
            best = track.arrival.best if track is not None else None
        if best is None:
            return None
        return (self._clock() if now is None else now) + best - self.delay

    def sample(self, entity: Hashable, now: float | None = None) -> State | None:
        """The state of ``entity`` to draw now (or at your clock's ``now``); None for an unknown entity.

        Any thread. Example: ``x, y = buffer.sample(sid) or (0.0, 0.0)``
        """
        if now is None:
            now = self._clock()
        with self._lock:
            track = self._tracks.get(entity)
            best = track.arrival.best if track is not None else None
            if track is None or best is None:
                return None
            return self._at(track.snapshots, now + best - self.delay)

    def sample_at(self, entity: Hashable, render_time: float) -> State | None:
        """The state of ``entity`` at ``render_time`` on its sender's clock (None for an unknown entity).

        Any thread. Example: ``buffer.sample_at(sid, clock.remote_time() - 0.1)``
        """
        with self._lock:
            track = self._tracks.get(entity)
            return None if track is None else self._at(track.snapshots, render_time)

    def _at(self, snaps: deque[tuple[float, State]], render_time: float) -> State | None:
        if not snaps:
            return None
        while len(snaps) > 2 and snaps[1][0] <= render_time:   # keep one state at or before the render time
            snaps.popleft()
        if len(snaps) == 1 or render_time <= snaps[0][0]:
            return snaps[0][1]
        (t0, a), (t1, b) = snaps[0], snaps[1]
        if render_time > t1:   # every state is older than the render time: extrapolate from the last two
            (t0, a), (t1, b) = snaps[-2], snaps[-1]
            render_time = min(render_time, t1 + self.max_extrapolation)
        f = (render_time - t0) / (t1 - t0)
        return tuple([x + (y - x) * f for x, y in zip(a, b)])

    def remove(self, entity: Hashable) -> None:
        """Forget an entity (e.g. a player who left). Any thread. Example: ``buffer.remove(sid)``"""
        with self._lock:
            self._tracks.pop(entity, None)

    def entities(self) -> list[Hashable]:
        """The entities with states. Any thread. Example: ``for sid in buffer.entities(): ...``"""
        with self._lock:
            return list(self._tracks)


# ---- fixed-rate sender ------------------------------------------------------------------------------
class FixedRateSender:
    """Calls ``send(tick)`` at ``rate`` Hz from your frame loop, whatever the frame rate.

    Call :meth:`update` every frame: it sends at most once per call, when a new tick began since the last
    send. ``tick`` counts periods since the sender was made (``start`` on your clock), so
    ``tick / rate`` is the time the state belongs to, and ticks skipped by a slow frame are skipped,
    never sent in a burst. Put the tick in the message: the receiver orders states by it and passes
    ``tick / rate`` to :meth:`SnapshotBuffer.push`.

    Thread rules: one thread (the one running the frame loop) calls ``update``; ``send`` runs there.
    Example: ``sender = FixedRateSender(20, lambda tick: send_state(tick)); sender.update()``
    """

    def __init__(self, rate: float, send: Callable[[int], object], clock: Clock = time.monotonic,
                 start: float | None = None) -> None:
        self.rate = _positive("rate", rate)
        self._send = send
        self._clock = clock
        self.start = clock() if start is None else start
        self.last_tick = -1
        self.sent = 0

    def update(self, now: float | None = None) -> bool:
        """Send if a new tick began (on your clock, or at ``now``); returns whether it sent.

        The frame loop's thread. Example: ``sender.update()``
        """
        tick = math.floor(((self._clock() if now is None else now) - self.start) * self.rate)
        if tick <= self.last_tick:
            return False
        self.last_tick = tick
        self._send(tick)
        self.sent += 1
        return True

    def tick_time(self, tick: int) -> float:
        """Your clock's time at the start of ``tick``. Any thread. Example: ``sender.tick_time(40)``"""
        return self.start + tick / self.rate
