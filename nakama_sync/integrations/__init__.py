"""Optional game-engine integrations. Each submodule imports its engine only when you import it.

- :mod:`nakama_sync.integrations.pygame`: socket events as pygame events in ``pygame.event.get()``
  (``pip install nakama-sync[pygame]``).
- :mod:`nakama_sync.integrations.panda3d`: a task that polls the socket each frame and forwards its
  events to Panda3D's messenger (``pip install nakama-sync[panda3d]``).

Example: ``from nakama_sync.integrations.pygame import PygameBridge``

Importing this package is safe from any thread and never imports pygame or panda3d.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._events import SIGNAL_NAMES
from ..exceptions import InvalidArgument, InvalidArgumentType

__all__ = ["SOCKET_SIGNALS"]

#: The socket signals both integrations forward by default: every signal of a Socket, read from the one
#: signal table (``nakama_sync._events.SIGNALS``), so ``reconnecting``/``reconnected`` are included.
SOCKET_SIGNALS: tuple[str, ...] = SIGNAL_NAMES


def _check_signal_names(socket: Any, signals: Iterable[str] | None) -> tuple[str, ...]:
    """The signal names a bridge should connect to: ``signals``, or every one, checked against ``socket``.

    Raises :class:`~nakama_sync.InvalidArgumentType` when ``socket`` is not a socket or ``signals`` is
    a single string (or holds a non-string), :class:`~nakama_sync.InvalidArgument` naming an unknown
    signal. Nothing is connected. Any thread.

    Example: ``_check_signal_names(socket, ["received_match_state"]) == ("received_match_state",)``
    """
    if not all(hasattr(getattr(socket, name, None), "connect") for name in SOCKET_SIGNALS):
        raise InvalidArgumentType(f"socket must be a nakama_sync.Socket, not {type(socket).__name__}")
    if signals is None:
        return SOCKET_SIGNALS
    if isinstance(signals, (str, bytes)):
        raise InvalidArgumentType(f"signals must be a list of signal names, not one string: "
                                  f"write signals=[{signals!r}]")
    names = tuple(signals)
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgumentType(f"signals must hold signal names (str), not {type(name).__name__}")
        if name not in SOCKET_SIGNALS:
            raise InvalidArgument(f"{name!r} is not a signal of {type(socket).__name__}; "
                                  f"the signals are {', '.join(SOCKET_SIGNALS)}")
    return names


def _check_poll_options(timeout: float, max_events: int | None) -> None:
    """Refuse a bad ``timeout`` / ``max_events`` for ``socket.poll()`` before a bridge stores or uses them.

    ``timeout`` is a number of seconds >= 0 (bridges never wait forever); ``max_events`` is None (all)
    or an int >= 1. Raises :class:`~nakama_sync.InvalidArgumentType` / :class:`~nakama_sync.InvalidArgument`
    naming the argument. Any thread.

    Example: ``_check_poll_options(0.0, None)`` returns None.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentType(f"the poll timeout must be a number of seconds, not {type(timeout).__name__}")
    if not timeout >= 0:   # also refuses NaN
        raise InvalidArgument(f"the poll timeout must be >= 0 seconds, not {timeout!r}")
    if max_events is None:
        return
    if isinstance(max_events, bool) or not isinstance(max_events, int):
        raise InvalidArgumentType(f"max_events must be an int or None, not {type(max_events).__name__}")
    if max_events < 1:
        raise InvalidArgument(f"max_events must be >= 1 (or None for all), not {max_events}")
