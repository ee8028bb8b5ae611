"""Automatic reconnection of the Socket: the backoff policy, what to restore, and restoring it.

- :class:`ReconnectPolicy` says when to try again: exponential backoff with jitter, a cap, a maximum
  number of attempts and/or total time. ``Socket(reconnect=ReconnectPolicy(...))``; ``reconnect=False``
  turns reconnection off.
- ``_Tracker`` watches the replies to the socket's own requests (on the reader thread) and remembers
  what the server will forget when the connection drops: status, follows, chat channels, matches, and
  the things that cannot come back (matchmaker tickets, parties).
- ``_restore`` runs on the reconnect thread once a new connection is open: it sends the requests again
  and reports what came back and what was lost (``SocketReconnected``).
"""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .exceptions import InvalidArgument, NakamaError
from .models.reconnect import LostItem

if TYPE_CHECKING:
    from .models.realtime import Channel, Match

__all__ = ["ReconnectPolicy"]

_UNSET: Any = object()


@dataclass(frozen=True)
class ReconnectPolicy:
    """When and how often a dropped Socket tries to connect again.

    Before attempt ``n`` (1-based) the socket waits ``d = min(max_delay, base_delay * factor ** (n - 1))``
    minus a random share of up to ``jitter`` of it (``jitter=0.5``: a wait in ``[d/2, d]``), so that many
    players dropped at once do not come back at the same instant. It gives up (``closed`` fires) after
    ``max_attempts`` failed attempts or once ``max_elapsed`` seconds have passed since the drop (``None``:
    no limit). ``reconnect_on_server_close``: also reconnect when the server closed the connection on
    purpose (a close frame with code 1000: a kick, a logout, a second socket of a single-socket user);
    off by default. Network losses, heartbeat timeouts and server restarts (code 1001) always reconnect.

    Example: ``client.create_socket(reconnect=ReconnectPolicy(base_delay=1, max_attempts=10))``
    Thread safety: immutable; share it freely.
    """

    base_delay: float = 0.5
    max_delay: float = 15.0
    factor: float = 2.0
    jitter: float = 0.5
    max_attempts: int | None = None
    max_elapsed: float | None = 300.0
    attempt_timeout: float = 10.0
    reconnect_on_server_close: bool = False

    def __post_init__(self) -> None:
        if self.base_delay < 0 or self.max_delay < 0:
            raise InvalidArgument("ReconnectPolicy delays must not be negative")
        if self.factor < 1:
            raise InvalidArgument("ReconnectPolicy.factor must be >= 1")
        if not 0 <= self.jitter <= 1:
            raise InvalidArgument("ReconnectPolicy.jitter must be between 0 and 1")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise InvalidArgument("ReconnectPolicy.max_attempts must be >= 1 or None")
        if self.attempt_timeout <= 0:
            raise InvalidArgument("ReconnectPolicy.attempt_timeout must be > 0")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before attempt ``attempt`` (1-based), jitter applied.

        Example: ``ReconnectPolicy().delay(1)`` -> a float in [0.25, 0.5]. Any thread.
        """
        capped = min(self.max_delay, self.base_delay * self.factor ** min(attempt - 1, 64))
        share = (rng or random).random() * self.jitter
        return capped * (1.0 - share)

    def gives_up(self, failed_attempts: int, elapsed: float) -> bool:
        """True when no further attempt should be made. Example: ``policy.gives_up(3, 12.0)``. Any thread."""
        if self.max_attempts is not None and failed_attempts >= self.max_attempts:
            return True
        return self.max_elapsed is not None and elapsed >= self.max_elapsed


@dataclass
class _Snapshot:
    """What to restore, copied from the tracker when a connection drops."""

    appear_online: bool = True
    status: Any = _UNSET                                            # last update_status argument
    follow_ids: list[str] = field(default_factory=list)
    follow_names: list[str] = field(default_factory=list)
    channels: dict[str, tuple[str, int, bool, bool]] = field(default_factory=dict)
    matches: dict[str, dict[str, str] | None] = field(default_factory=dict)
    tickets: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    party_tickets: list[str] = field(default_factory=list)


class _Tracker:
    """Remembers the server-side state made by this socket's requests. ``wrap`` runs on any thread; the
    wrapped parsers and ``on_event`` run on the reader thread. ``lock`` guards everything."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = _Snapshot()
        self._name_ids: dict[str, str] = {}
        self._wrappers: dict[str, Callable[[dict[str, Any], Any], None]] = {
            "match_create": self._joined_match, "match_join": self._joined_match,
            "match_leave": self._left_match,
            "channel_join": self._joined_channel, "channel_leave": self._left_channel,
            "status_follow": self._followed, "status_unfollow": self._unfollowed,
            "status_update": self._status,
            "matchmaker_add": self._ticket_added, "matchmaker_remove": self._ticket_removed,
            "party_create": self._party_joined, "party_join": self._party_joined,
            "party_leave": self._party_left, "party_close": self._party_left,
            "party_matchmaker_add": self._party_ticket_added,
            "party_matchmaker_remove": self._party_ticket_removed,
        }

    def reset(self, appear_online: bool) -> None:
        """Forget everything (a fresh ``connect()``)."""
        with self.lock:
            self.state = _Snapshot(appear_online=appear_online)
            self._name_ids = {}

    def wrap(self, key: str, body: dict[str, Any], parse: Callable[[Any], Any] | None) -> Any:
        """``parse`` itself, or a parser that also records a successful reply to request ``key``."""
        record = self._wrappers.get(key)
        if record is None:
            return parse

        def tracked(payload: Any) -> Any:
            value = parse(payload) if parse is not None else payload
            with self.lock:
                record(body, value)
            return value
        return tracked

    def on_event(self, key: str, event: Any) -> None:
        """A pushed event that ends tracked state (reader thread)."""
        with self.lock:
            if key == "matchmaker_matched":
                ticket = getattr(event, "ticket", "")
                if ticket in self.state.tickets:
                    self.state.tickets.remove(ticket)
                elif ticket in self.state.party_tickets:
                    self.state.party_tickets.remove(ticket)
            elif key == "party_close":
                self._party_left({"party_id": getattr(event, "party_id", "")}, None)

    def snapshot(self) -> _Snapshot:
        """A copy of the state to restore. Any thread."""
        with self.lock:
            s = self.state
            return _Snapshot(s.appear_online, s.status, list(s.follow_ids), list(s.follow_names),
                             dict(s.channels), dict(s.matches), list(s.tickets), list(s.parties),
                             list(s.party_tickets))

    def forget_lost(self, snap: _Snapshot) -> None:
        """After a reconnect: the snapshot's tickets and parties are gone on the server; forget them."""
        with self.lock:
            state = self.state
            state.tickets = [t for t in state.tickets if t not in snap.tickets]
            state.parties = [p for p in state.parties if p not in snap.parties]
            state.party_tickets = [t for t in state.party_tickets if t not in snap.party_tickets]

    def forget_match(self, match_id: str) -> None:
        with self.lock:
            self.state.matches.pop(match_id, None)

    def forget_channel(self, channel_id: str) -> None:
        with self.lock:
            self.state.channels.pop(channel_id, None)

    # ---- recorders (called with the lock held) -----------------------------------------------
    def _joined_match(self, body: dict[str, Any], match: Any) -> None:
        match_id = getattr(match, "match_id", "")
        if match_id:
            self.state.matches[match_id] = body.get("metadata")

    def _left_match(self, body: dict[str, Any], _: Any) -> None:
        self.state.matches.pop(body.get("match_id", ""), None)

    def _joined_channel(self, body: dict[str, Any], channel: Any) -> None:
        channel_id = getattr(channel, "id", "")
        if channel_id:
            self.state.channels[channel_id] = (body["target"], body["type"], body["persistence"], body["hidden"])

    def _left_channel(self, body: dict[str, Any], _: Any) -> None:
        self.state.channels.pop(body.get("channel_id", ""), None)

    def _followed(self, body: dict[str, Any], status: Any) -> None:
        for uid in body.get("user_ids") or ():
            if uid not in self.state.follow_ids:
                self.state.follow_ids.append(uid)
        for name in body.get("usernames") or ():
            if name not in self.state.follow_names:
                self.state.follow_names.append(name)
        for presence in getattr(status, "presences", None) or ():
            self._name_ids[presence.username] = presence.user_id

    def _unfollowed(self, body: dict[str, Any], _: Any) -> None:
        gone = set(body.get("user_ids") or ())
        self.state.follow_ids = [u for u in self.state.follow_ids if u not in gone]
        self.state.follow_names = [n for n in self.state.follow_names if self._name_ids.get(n) not in gone]

    def _status(self, body: dict[str, Any], _: Any) -> None:
        self.state.status = body.get("status")

    def _ticket_added(self, body: dict[str, Any], ticket: Any) -> None:
        value = getattr(ticket, "ticket", "")
        if value:
            self.state.tickets.append(value)

    def _ticket_removed(self, body: dict[str, Any], _: Any) -> None:
        if body.get("ticket") in self.state.tickets:
            self.state.tickets.remove(body["ticket"])

    def _party_joined(self, body: dict[str, Any], party: Any) -> None:
        party_id = getattr(party, "party_id", None) or body.get("party_id", "")
        if party_id and party_id not in self.state.parties:
            self.state.parties.append(party_id)

    def _party_left(self, body: dict[str, Any], _: Any) -> None:
        if body.get("party_id") in self.state.parties:
            self.state.parties.remove(body["party_id"])

    def _party_ticket_added(self, body: dict[str, Any], ticket: Any) -> None:
        value = getattr(ticket, "ticket", "")
        if value:
            self.state.party_tickets.append(value)

    def _party_ticket_removed(self, body: dict[str, Any], _: Any) -> None:
        if body.get("ticket") in self.state.party_tickets:
            self.state.party_tickets.remove(body["ticket"])


@dataclass
class _RestoreResult:
    matches: list[Match] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)
    status_restored: bool = False
    lost: list[LostItem] = field(default_factory=list)


_GONE = "the server forgets it when the connection drops"


def _restore(sock: Any, snap: _Snapshot, tracker: _Tracker) -> _RestoreResult:
    """Send the requests that rebuild ``snap`` on a fresh connection (the reconnect thread).

    All requests go out at once and are then awaited. Raises ConnectionClosed if the new connection
    drops meanwhile (the caller tries again); any other failure is reported as a lost item.
    """
    from .exceptions import ConnectionClosed

    out = _RestoreResult()
    status_fut = sock.update_status_nowait(snap.status) if snap.status is not _UNSET else None
    follow_fut = (sock.follow_users_nowait(snap.follow_ids or None, snap.follow_names or None)
                  if snap.follow_ids or snap.follow_names else None)
    channel_futs = [(cid, sock.join_chat_nowait(*spec)) for cid, spec in snap.channels.items()]
    match_futs = [(mid, sock.join_match_nowait(mid, metadata=meta)) for mid, meta in snap.matches.items()]

    def wait(fut: Any) -> tuple[Any, BaseException | None]:
        exc = fut.exception()
        if isinstance(exc, ConnectionClosed):
            raise exc
        return (None if exc is not None else fut.result()), exc

    if status_fut is not None:
        _, exc = wait(status_fut)
        out.status_restored = exc is None
        if exc is not None:
            out.lost.append(LostItem("status", "", _why(exc)))
    if follow_fut is not None:
        _, exc = wait(follow_fut)
        if exc is None:
            out.followed = list(snap.follow_ids)
        else:
            out.lost.extend(LostItem("follow", uid, _why(exc)) for uid in snap.follow_ids + snap.follow_names)
    for old_id, fut in channel_futs:
        channel, exc = wait(fut)
        if exc is None:
            out.channels.append(channel)
            if channel.id != old_id:
                tracker.forget_channel(old_id)
        else:
            tracker.forget_channel(old_id)
            out.lost.append(LostItem("channel", old_id, _why(exc)))
    for match_id, fut in match_futs:
        match, exc = wait(fut)
        if exc is None:
            out.matches.append(match)
        else:
            tracker.forget_match(match_id)
            out.lost.append(LostItem("match", match_id, _why(exc)))
    out.lost.extend(LostItem("matchmaker_ticket", t, _GONE) for t in snap.tickets)
    out.lost.extend(LostItem("party", p, _GONE) for p in snap.parties)
    out.lost.extend(LostItem("party_matchmaker_ticket", t, _GONE) for t in snap.party_tickets)
    tracker.forget_lost(snap)
    return out


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, NakamaError) else repr(exc)
