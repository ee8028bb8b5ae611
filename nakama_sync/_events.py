"""The one table of socket signals: each signal's name and the type of event it carries.

Read by the Socket (which makes one :class:`StrongSignal` per entry), by the engine bridges
(``nakama_sync.integrations``) and by the docs. Which pushed envelope feeds which signal is in
``_socket_codec.EVENTS``. Thread safety: constants; any thread.
"""
from __future__ import annotations

from inspect import iscoroutinefunction as _iscoroutinefunction  # what blinker's send() checks
from inspect import signature as _signature
from typing import Any

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

__all__ = ["SIGNALS", "SIGNAL_NAMES", "StrongSignal"]

#: Every signal of a Socket (API.md) -> the event type(s) its handlers get as ``event=``.
#: ``connected``, ``closed``, ``reconnecting``, ``reconnected`` and ``received_error`` are also sent by the
#: socket itself; the others come from pushed envelopes.
SIGNALS: dict[str, tuple[type[Any], ...]] = {
    "connected": (SocketConnected,),
    "closed": (SocketClosed,),
    "reconnecting": (SocketReconnecting,),
    "reconnected": (SocketReconnected,),
    "received_error": (SocketErrorEvent,),
    "received_channel_message": (ChannelMessage,),
    "received_channel_presence": (ChannelPresenceEvent,),
    "received_matchmaker_matched": (MatchmakerMatched,),
    "received_match_state": (MatchData,),
    "received_match_presence": (MatchPresenceEvent,),
    "received_notification": (Notification,),
    "received_party": (Party, PartyUpdate),
    "received_party_close": (PartyClose,),
    "received_party_data": (PartyData,),
    "received_party_join_request": (PartyJoinRequest,),
    "received_party_leader": (PartyLeader,),
    "received_party_matchmaker_ticket": (PartyMatchmakerTicket,),
    "received_party_presence": (PartyPresenceEvent,),
    "received_status_presence": (StatusPresenceEvent,),
    "received_stream_presence": (StreamPresenceEvent,),
    "received_stream_state": (StreamData,),
}

#: The signal names, in the table's order.
SIGNAL_NAMES: tuple[str, ...] = tuple(SIGNALS)


class StrongSignal(blinker.Signal):
    """A blinker Signal whose ``connect`` keeps a strong reference by default (``weak=False``).

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

    def connect(self, receiver: Any, sender: Any = blinker.ANY, weak: bool = False) -> Any:
        """Connect ``receiver(sender, event)``; refuse one that cannot be called that way.

        Handlers are called as ``receiver(sender, event=event)``: the second parameter must be named
        ``event`` (or the handler takes ``**kwargs``). Anything else (``def on_state(sender, msg)``, a
        one-argument lambda) raises :class:`InvalidArgumentType` (a ``TypeError``) here, not later in
        ``poll()``. Example: ``socket.received_match_state.connect(on_state)``.
        """
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


def _check_handler(signal: StrongSignal, receiver: Any) -> None:
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
