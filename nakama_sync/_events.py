"""The one table of socket signals: each signal's name and the type of event it carries.

The table is :class:`SocketSignals` (typed declarations that ``Socket`` inherits, so type checkers see
each signal's event type); ``SIGNALS`` is read from it. Read by the Socket (which makes one
:class:`StrongSignal` per entry), by the engine bridges
(``nakama_sync.integrations``) and by the docs. Which pushed envelope feeds which signal is in
``_socket_codec.EVENTS``. Thread safety: constants; any thread.
"""
from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction as _iscoroutinefunction  # what blinker's send() checks
from inspect import signature as _signature
from typing import Any, Generic, Protocol, TypeAlias, TypeVar, get_args, get_type_hints

import blinker

from .exceptions import InvalidArgumentType, SignalUsedAsBool
from .models.party import (
    MatchmakerMatched,
    Party,
    PartyClose,
    PartyData,
    PartyJoinRequest,
    PartyLeader,
    PartyMatchmakerTicket,
    PartyPresenceEvent,
    PartyUpdate,
)
from .models.realtime import (
    ChannelMessage,
    ChannelPresenceEvent,
    MatchData,
    MatchPresenceEvent,
    Notification,
    SocketClosed,
    SocketConnected,
    SocketErrorEvent,
    StatusPresenceEvent,
    StreamData,
    StreamPresenceEvent,
)
from .models.reconnect import SocketReconnected, SocketReconnecting
from .session import Session

__all__ = ["SIGNALS", "SIGNAL_NAMES", "EventHandler", "SessionHandler", "SessionSignal", "SocketEvent",
           "SocketSignals", "StrongSignal"]

E = TypeVar("E", contravariant=True)
_E = TypeVar("_E")
_R = TypeVar("_R", bound=Callable[..., Any])


class EventHandler(Protocol[E]):
    """What a handler of a ``StrongSignal[E]`` is for type checkers: ``handler(sender, event=event)``.

    ``def on_state(sender: Any, event: MatchData) -> None`` fits ``EventHandler[MatchData]``, and so
    does ``def h(sender, **kwargs)``; ``event: ChannelMessage`` does not (mypy reports it at ``connect``).
    Example: ``handler: EventHandler[MatchData] = on_state``. Thread: a type; any thread.
    """

    def __call__(self, sender: Any, /, *, event: E) -> object:
        """Called as ``handler(sender, event=event)``."""


class StrongSignal(blinker.Signal, Generic[_E]):
    """A blinker Signal whose ``connect`` keeps a strong reference by default (``weak=False``).

    Generic in the event type its handlers get: ``socket.received_match_state`` is a
    ``StrongSignal[MatchData]``, so ``mypy`` checks a handler's ``event`` annotation at ``connect()``.

    So ``socket.received_match_state.connect(lambda sender, event: ...)`` keeps working: the lambda
    does not vanish when it goes out of scope. Pass ``weak=True`` to get blinker's usual behaviour.
    Testing a signal as a bool (``if socket.connected:``) raises :class:`SignalUsedAsBool` (a
    ``TypeError``) naming ``socket.is_connected``: a signal object would always be true.
    Example: ``socket.closed.connect(on_closed)``. Thread: connect handlers before ``connect()``, or from
    the thread that runs the handlers.
    """

    _async_receivers = False   # set once a coroutine function connects: then _emit() defers to send()

    def __init__(self, doc: str | None = None, keyword: str = "event") -> None:
        """``doc`` names the signal (``"Socket.closed"``); handlers get the payload as keyword ``keyword``."""
        super().__init__(doc)
        self._keyword = keyword

    def __bool__(self) -> bool:
        """Refused: ``if socket.closed:`` would always be true. Use ``socket.is_connected`` instead."""
        name = vars(self).get("__doc__") or "a socket signal"   # the Socket names each one "Socket.<name>"
        raise SignalUsedAsBool(f"{name} is a signal (connect handlers to it), so testing it as a bool is "
                               "always true: use socket.is_connected (or socket.is_reconnecting) for the state")

    # The ignore[override]: blinker accepts any callable; here a type checker also checks the handler's
    # shape and event type (EventHandler[_E]). The run-time check is _check_handler, as before.
    def connect(self, receiver: EventHandler[_E], sender: Any = blinker.ANY,  # type: ignore[override]
                weak: bool = False) -> EventHandler[_E]:
        """Connect ``receiver(sender, event)`` and return it; refuse one that cannot be called that way.

        Handlers are called as ``receiver(sender, event=event)``: the second parameter must be named
        ``event`` (or the handler takes ``**kwargs``). Anything else (``def on_state(sender, msg)``, a
        one-argument lambda) raises :class:`InvalidArgumentType` (a ``TypeError``) here, not later in
        ``poll()``. Example: ``socket.received_match_state.connect(on_state)``.
        """
        return self._connect(receiver, sender, weak)

    def _connect(self, receiver: _R, sender: Any, weak: bool) -> _R:
        """Check ``receiver`` (:func:`_check_handler`) and connect it; returns it. Connect time only."""
        _check_handler(self, receiver)
        if _iscoroutinefunction(receiver):
            self._async_receivers = True
        return super().connect(receiver, sender, weak)

    def _emit(self, sender: Any, event: Any) -> None:
        """``send(sender, event=event)`` without its per-receiver coroutine check (the socket's hot path).

        Same receivers, order, sender filtering, weak references and ``muted()`` as ``send``.
        """
        if self._async_receivers or self.is_muted:
            self.send(sender, event=event)
            return
        for receiver in self.receivers_for(sender):
            receiver(sender, event=event)


class SessionHandler(Protocol):
    """A handler of ``client.session_refreshed``: ``handler(client, session=session)``.

    Example: ``def on_refresh(sender: Any, session: Session) -> None: ...``. Thread: a type; any thread.
    """

    def __call__(self, sender: Any, /, *, session: Session) -> object:
        """Called as ``handler(client, session=session)``."""


class SessionSignal(StrongSignal[Any]):
    """``client.session_refreshed``: a :class:`StrongSignal` whose handlers get ``session=`` (a Session).

    Example: ``client.session_refreshed.connect(lambda sender, session: save(session))``. Thread: as
    :class:`StrongSignal`.
    """

    def __init__(self, doc: str | None = None) -> None:
        """``doc`` names the signal (``"Client.session_refreshed"``); handlers get keyword ``session``."""
        super().__init__(doc, keyword="session")

    # The ignore[override]: handlers get keyword ``session``, not ``event`` (see SessionHandler).
    def connect(self, receiver: SessionHandler, sender: Any = blinker.ANY,  # type: ignore[override]
                weak: bool = False) -> SessionHandler:
        """Connect ``receiver(client, session)`` and return it (see :meth:`StrongSignal.connect`).
        Example: ``client.session_refreshed.connect(on_refresh)``. Thread: as StrongSignal.connect."""
        return self._connect(receiver, sender, weak)


class SocketSignals:
    """The one table of a Socket's signals: each attribute's name and the event type its handlers get.

    ``Socket`` inherits these declarations (so type checkers know ``socket.received_match_state`` is a
    ``StrongSignal[MatchData]``); ``SIGNALS`` is read from them. ``connected``, ``closed``,
    ``reconnecting``, ``reconnected`` and ``received_error`` are sent by the socket itself; the others
    come from pushed envelopes. Example: ``SIGNALS["received_party"]``. Thread: declarations; any thread.
    """

    connected: StrongSignal[SocketConnected]
    closed: StrongSignal[SocketClosed]
    reconnecting: StrongSignal[SocketReconnecting]
    reconnected: StrongSignal[SocketReconnected]
    received_error: StrongSignal[SocketErrorEvent]
    received_channel_message: StrongSignal[ChannelMessage]
    received_channel_presence: StrongSignal[ChannelPresenceEvent]
    received_matchmaker_matched: StrongSignal[MatchmakerMatched]
    received_match_state: StrongSignal[MatchData]
    received_match_presence: StrongSignal[MatchPresenceEvent]
    received_notification: StrongSignal[Notification]
    received_party: StrongSignal[Party | PartyUpdate]
    received_party_close: StrongSignal[PartyClose]
    received_party_data: StrongSignal[PartyData]
    received_party_join_request: StrongSignal[PartyJoinRequest]
    received_party_leader: StrongSignal[PartyLeader]
    received_party_matchmaker_ticket: StrongSignal[PartyMatchmakerTicket]
    received_party_presence: StrongSignal[PartyPresenceEvent]
    received_status_presence: StrongSignal[StatusPresenceEvent]
    received_stream_presence: StrongSignal[StreamPresenceEvent]
    received_stream_state: StrongSignal[StreamData]


def _event_types(hint: Any) -> tuple[type[Any], ...]:
    """``StrongSignal[A | B]`` -> ``(A, B)``."""
    (event,) = get_args(hint)
    return get_args(event) or (event,)


#: Every signal of a Socket (API.md) -> the event type(s) its handlers get as ``event=``, read from
#: :class:`SocketSignals` (in its order).
SIGNALS: dict[str, tuple[type[Any], ...]] = {
    name: _event_types(hint) for name, hint in get_type_hints(SocketSignals).items()}

#: The signal names, in the table's order.
SIGNAL_NAMES: tuple[str, ...] = tuple(SIGNALS)

#: Any event a Socket delivers: what ``socket.next_event()`` returns (or None) and ``for event in socket``
#: yields. Narrow it with ``isinstance(event, MatchData)``.
SocketEvent: TypeAlias = (
    SocketConnected | SocketClosed | SocketReconnecting | SocketReconnected | SocketErrorEvent | ChannelMessage
    | ChannelPresenceEvent | MatchmakerMatched | MatchData | MatchPresenceEvent | Notification | Party | PartyUpdate
    | PartyClose | PartyData | PartyJoinRequest | PartyLeader | PartyMatchmakerTicket | PartyPresenceEvent
    | StatusPresenceEvent | StreamPresenceEvent | StreamData
)


def _check_handler(signal: StrongSignal[Any], receiver: Any) -> None:
    """Raise InvalidArgumentType unless ``receiver(sender, event=...)`` binds (connect time, not poll())."""
    if not callable(receiver):
        raise InvalidArgumentType(f"handler must be callable as handler(sender, event), not {type(receiver).__name__}")
    try:
        shape = _signature(receiver)
    except (TypeError, ValueError):
        return   # no introspectable signature (some builtins): cannot check, accepted as before
    try:
        shape.bind(None, **{signal._keyword: None})
    except TypeError as exc:
        name = vars(signal).get("__doc__") or "the signal"
        label = getattr(receiver, "__qualname__", None) or repr(receiver)
        key = signal._keyword
        raise InvalidArgumentType(
            f"handler {label}{shape} cannot be connected to {name}: handlers are called as "
            f"handler(sender, {key}={key}), so write it as def handler(sender, {key}): ... (the second "
            f"parameter must be named '{key}', or take **kwargs) ({exc})") from None
