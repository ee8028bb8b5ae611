"""Pygame integration: a socket's events arrive as pygame events in your usual event loop.

The simplest style needs no integration at all: call ``socket.poll()`` once per frame and your
blinker handlers run right there, on the game's thread::

    while running:
        socket.poll()                       # handlers connected to socket.received_* run here
        for event in pygame.event.get(): ...

If you prefer to handle everything in one ``for event in pygame.event.get()`` loop, use the bridge
(three lines)::

    from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
    bridge = PygameBridge(socket)           # once, after pygame.init()
    bridge.pump()                           # each frame, before pygame.event.get()
    for event in pygame.event.get():
        if event.type == NAKAMA_EVENT and event.nakama_signal == "received_match_state":
            move_square(event.payload.data)

Every bridged pygame event has the type :data:`NAKAMA_EVENT` (made with ``pygame.event.custom_type()``)
and these attributes:

- ``event.nakama_signal``: the socket signal's name, e.g. ``"received_match_state"``, ``"closed"``;
- ``event.payload``: what the signal carried as ``event=`` (a model such as ``MatchData``), or ``None``;
- ``event.socket``: the socket it came from (useful when a game has several);
- any other keyword the signal carried, under its own name (when it does not clash with the above).

Threads: with ``client.create_socket(use_main_thread=True)`` (the default) the socket runs its
handlers inside ``socket.poll()``, so call :meth:`PygameBridge.pump` on the game's thread. With
``use_main_thread=False`` the handlers run on the socket's reader thread and post at once
(``pygame.event.post`` is thread-safe in pygame 2); ``pump()`` is then optional.

Importing this module imports pygame; ``import nakama_sync`` never does.
"""
from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pygame

from ..exceptions import InvalidArgumentType, UsageError
from . import _check_poll_options, _check_signal_names

__all__ = ["NAKAMA_EVENT", "PygameBridge"]

log = logging.getLogger(__name__)

#: The pygame event type of every bridged socket event (one per process, shared by all bridges).
NAKAMA_EVENT: int = pygame.event.custom_type()

_RESERVED = frozenset({"type", "nakama_signal", "payload", "socket"})


class PygameBridge:
    """Post a socket's signals as pygame events of type :data:`NAKAMA_EVENT`.

    Example: ``bridge = PygameBridge(socket); bridge.pump()`` each frame, then read
    ``pygame.event.get()`` as usual.

    Threads: create, ``pump()`` and ``close()`` on the game's thread. The signal handlers the bridge
    connects run wherever the socket runs handlers (see the module docstring).

    Args:
        socket: a :class:`nakama_sync.Socket` (connected or not yet).
        signals: the names of the signals to bridge (default: all of them).
        event_type: the pygame event type to post (default :data:`NAKAMA_EVENT`).

    Errors (each a :class:`~nakama_sync.NakamaError`; nothing is connected then):
    :class:`~nakama_sync.UsageError` (also a ``RuntimeError``) when pygame is not initialised;
    :class:`~nakama_sync.InvalidArgumentType` (also a ``TypeError``) when ``socket`` is not a socket,
    ``signals`` is one string or ``event_type`` is not an int; :class:`~nakama_sync.InvalidArgument`
    (also a ``ValueError``) naming an unknown signal.
    """

    def __init__(self, socket: Any, signals: Iterable[str] | None = None,
                 event_type: int | None = None) -> None:
        if not pygame.display.get_init():
            raise UsageError("pygame is not initialised: call pygame.init() before PygameBridge(socket)")
        if event_type is not None and (isinstance(event_type, bool) or not isinstance(event_type, int)):
            raise InvalidArgumentType(f"event_type must be a pygame event type (an int), not "
                                      f"{type(event_type).__name__}")
        names = _check_signal_names(socket, signals)
        self.socket = socket
        self.event_type: int = NAKAMA_EVENT if event_type is None else event_type
        self._pending: collections.deque[pygame.event.Event] = collections.deque()
        self._post_lock = threading.Lock()   # pump() and a reader-thread handler may both post
        self._warned = False
        self._connections: list[tuple[Any, Callable[..., None]]] = []
        for name in names:
            signal = getattr(socket, name)
            handler = self._make_handler(name)
            # weak=False: the handler is a closure that nothing else keeps alive.
            signal.connect(handler, weak=False)
            self._connections.append((signal, handler))

    @property
    def pending(self) -> int:
        """How many events wait to be posted again (the pygame queue was full or the type blocked).

        Example: ``if bridge.pending: print("pygame queue is full")``. Any thread.
        """
        return len(self._pending)

    def pump(self, timeout: float = 0.0, max_events: int | None = None) -> int:
        """Poll the socket once (running its handlers here), posting its events to pygame.

        Example: ``bridge.pump()`` at the top of each frame, then ``pygame.event.get()``.
        ``timeout`` and ``max_events`` are ``socket.poll()``'s: by default it never blocks and runs
        every queued event. Returns how many socket events ran. Game's thread only. Events pygame
        refused before (queue full, type blocked) are posted again first, in order. A bad ``timeout``
        or ``max_events`` raises :class:`~nakama_sync.InvalidArgument` (or its ``...Type`` subclass);
        a pygame shut down meanwhile raises :class:`~nakama_sync.UsageError`. Bound: ``timeout``.
        """
        if timeout != 0.0 or max_events is not None:   # the defaults need no check: pump() runs every frame
            _check_poll_options(timeout, max_events)
        self._flush()
        return int(self.socket.poll(timeout=timeout, max_events=max_events) or 0)

    def close(self) -> None:
        """Disconnect the bridge from the socket's signals (the socket itself stays open).

        Example: ``bridge.close()``. Game's thread. Calling it twice is harmless.
        """
        while self._connections:
            signal, handler = self._connections.pop()
            signal.disconnect(handler)

    # ---- internals ------------------------------------------------------------------------
    def _make_handler(self, name: str) -> Callable[..., None]:
        def handler(sender: Any, **kwargs: Any) -> None:
            extra = {k: v for k, v in kwargs.items() if k not in _RESERVED and k != "event"}
            event = pygame.event.Event(self.event_type, nakama_signal=name, payload=kwargs.get("event"),
                                       socket=sender, **extra)
            self._pending.append(event)
            self._flush()
        return handler

    def _flush(self) -> None:
        with self._post_lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        while self._pending:
            event = self._pending[0]
            try:
                posted = pygame.event.post(event)
            except pygame.error as exc:
                if not pygame.display.get_init():
                    raise UsageError("pygame was shut down while the socket bridge is in use") from exc
                posted = False  # the SDL queue is full: keep it for the next pump()
            if not posted:
                if not self._warned:
                    self._warned = True
                    log.warning("pygame refused a socket event (queue full or event type blocked); "
                                "%d event(s) kept for the next pump()", len(self._pending))
                return
            self._pending.popleft()
