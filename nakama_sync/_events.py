"""The table of pushed socket events: which envelope key becomes which signal, and how it is parsed.

Contract (used by socket.py's reader and by the modules that add events, e.g. ``_socket_party.py``)::

    register_event(envelope_key, signal_name, parser)

- ``envelope_key``: the key of a pushed envelope (one without a ``cid``), e.g. ``"match_data"``;
- ``signal_name``: one of :data:`SIGNAL_NAMES`, the attribute name of a signal on every Socket;
- ``parser(payload: dict) -> Model | list[Model]``: turns the envelope's payload into the event model.
  A list means "one event per item" (``notifications`` carries several). A parser that raises makes the
  frame "malformed": the socket reports it on ``received_error`` and goes on with the next frame.

Registration happens at import time, before any socket connects: a socket copies the table when it
connects. Example: ``register_event("party_close", "received_party_close", PartyClose.from_wire)``.
Thread safety: call it at import time only (it is not meant to change while sockets run).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["EVENTS", "SIGNAL_NAMES", "register_event"]

#: Every signal a Socket has (API.md). ``connected``, ``closed``, ``reconnecting``, ``reconnected`` and
#: ``received_error`` are also sent by the socket itself; the others come from pushed envelopes.
SIGNAL_NAMES: tuple[str, ...] = (
    "connected",
    "closed",
    "reconnecting",
    "reconnected",
    "received_error",
    "received_channel_message",
    "received_channel_presence",
    "received_matchmaker_matched",
    "received_match_state",
    "received_match_presence",
    "received_notification",
    "received_party",
    "received_party_close",
    "received_party_data",
    "received_party_join_request",
    "received_party_leader",
    "received_party_matchmaker_ticket",
    "received_party_presence",
    "received_status_presence",
    "received_stream_presence",
    "received_stream_state",
)

#: envelope key -> (signal name, parser). Read by each socket at connect time.
EVENTS: dict[str, tuple[str, Callable[[Any], Any]]] = {}


def register_event(envelope_key: str, signal_name: str, parser: Callable[[Any], Any]) -> None:
    """Route pushed envelopes with key ``envelope_key`` to the signal ``signal_name`` via ``parser``.

    Example: ``register_event("match_data", "received_match_state", MatchData.from_wire)``
    Thread: import time only (any thread, before sockets connect).
    """
    if signal_name not in SIGNAL_NAMES:
        raise ValueError(f"unknown socket signal {signal_name!r}")
    if not callable(parser):
        raise TypeError("parser must be callable")
    EVENTS[envelope_key] = (signal_name, parser)
