"""Panda3D integration: a task polls the socket each frame and forwards its events to the messenger.

Three lines::

    from nakama_sync.integrations.panda3d import attach_socket
    attach_socket(socket)                                # after socket.connect(session)
    self.accept("nakama-match-state", self.on_state)     # in your ShowBase/DirectObject: on_state(event)

Each socket signal becomes a messenger event named ``<prefix><signal without "received_", with
dashes>``: ``received_match_state`` -> ``"nakama-match-state"``, ``received_channel_message`` ->
``"nakama-channel-message"``, ``connected`` -> ``"nakama-connected"``, ``closed`` -> ``"nakama-closed"``.
The handler gets one argument: the model the signal carried (``MatchData``, ``ChannelMessage``...), or
``None`` when it carried none. :func:`event_name` gives the name for a signal.

The task runs on Panda3D's main thread each frame: it calls ``socket.poll()`` and sends the events it
collected to the messenger, so your handlers always run on the main thread (even for a socket made
with ``use_main_thread=False``). When the socket closes the task sends ``"nakama-closed"``, removes
itself and disconnects from the socket's signals; :meth:`SocketTask.remove` does the same at any time.

Importing this module imports Panda3D's ``direct`` package; ``import nakama_sync`` never does.
"""
from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from direct.task import Task

from ..exceptions import ConnectionClosed, InvalidArgumentType
from . import _check_poll_options, _check_signal_names

__all__ = ["SocketTask", "attach_socket", "event_name"]

_task_ids = itertools.count(1)


def event_name(signal: str, prefix: str = "nakama-") -> str:
    """The messenger event name for a socket signal.

    Example: ``event_name("received_match_state") == "nakama-match-state"``. Any thread.
    """
    if not isinstance(signal, str) or not isinstance(prefix, str):
        raise InvalidArgumentType("event_name(signal, prefix) takes two str")
    signal = signal.removeprefix("received_")
    return prefix + signal.replace("_", "-")


class SocketTask:
    """A Panda3D task that polls ``socket`` each frame and forwards its signals to the messenger.

    Example: ``task = SocketTask(socket)`` (or :func:`attach_socket`), later ``task.remove()``.

    Threads: create and remove on Panda3D's main thread; the task itself runs there too.

    Args:
        socket: a connected :class:`nakama_sync.Socket`.
        task_mgr: the task manager (default: ShowBase's global ``taskMgr``).
        messenger: the messenger (default: ShowBase's global ``messenger``).
        prefix: the start of every event name (default ``"nakama-"``; use another for a second socket).
        signals: the names of the signals to forward (default: all of them).
        sort: the task's sort value (default -50: before the usual game tasks, which sort at 0).
        max_events: the most socket events to run per frame (default: all that are queued).
        poll_timeout: how long each frame's ``poll()`` may wait for an event (default 0: never wait;
            a windowless bot that steps the task manager itself may prefer a few milliseconds).

    Errors (each a :class:`~nakama_sync.NakamaError`; nothing is connected then):
    :class:`~nakama_sync.InvalidArgumentType` (also a ``TypeError``) when ``socket`` is not a socket,
    ``signals`` is one string, or ``prefix``, ``max_events``, ``poll_timeout`` have the wrong type;
    :class:`~nakama_sync.InvalidArgument` (also a ``ValueError``) for an unknown signal name,
    ``max_events < 1`` or a negative ``poll_timeout``.
    """

    def __init__(self, socket: Any, task_mgr: Any = None, messenger: Any = None, prefix: str = "nakama-",
                 signals: Iterable[str] | None = None, sort: int = -50, max_events: int | None = None,
                 poll_timeout: float = 0.0) -> None:
        names = _check_signal_names(socket, signals)
        _check_poll_options(poll_timeout, max_events)
        if not isinstance(prefix, str):
            raise InvalidArgumentType(f"prefix must be a str, not {type(prefix).__name__}")
        if task_mgr is None:
            from direct.task.TaskManagerGlobal import taskMgr as task_mgr  # type: ignore[no-redef]
        if messenger is None:
            from direct.showbase.MessengerGlobal import messenger  # type: ignore[no-redef]
        self.socket = socket
        self.prefix = prefix
        self.max_events = max_events
        self.poll_timeout = poll_timeout
        self.name = f"{prefix}poll-{next(_task_ids)}"
        self._task_mgr = task_mgr
        self._messenger = messenger
        self._queue: collections.deque[tuple[str, Any]] = collections.deque()
        self._closed = False
        self._removed = False
        self._connections: list[tuple[Any, Callable[..., None]]] = []
        for signal_name in names:
            signal = getattr(socket, signal_name)
            handler = self._make_handler(signal_name)
            signal.connect(handler, weak=False)   # a closure nothing else keeps alive
            self._connections.append((signal, handler))
        if "closed" not in names:   # the task must still see the close
            handler = self._make_handler("closed", forward=False)
            socket.closed.connect(handler, weak=False)
            self._connections.append((socket.closed, handler))
        self._task = task_mgr.add(self._step, self.name, sort=sort)

    @property
    def active(self) -> bool:
        """True until the socket closed or :meth:`remove` was called.

        Example: ``if not task.active: show_disconnected()``. Main thread.
        """
        return not self._removed

    def event_name(self, signal: str) -> str:
        """The messenger event name this task uses for ``signal``.

        Example: ``base.accept(task.event_name("received_match_state"), on_state)``. Any thread.
        """
        return event_name(signal, self.prefix)

    def remove(self) -> None:
        """Stop polling and disconnect from the socket's signals (the socket stays as it is).

        Example: ``task.remove()``. Main thread. Calling it twice is harmless.
        """
        if self._removed:
            return
        self._removed = True
        self._disconnect()
        self._task_mgr.remove(self._task)

    # ---- internals ------------------------------------------------------------------------
    def _make_handler(self, signal_name: str, forward: bool = True) -> Callable[..., None]:
        def handler(sender: Any, **kwargs: Any) -> None:
            if signal_name == "closed":
                self._closed = True
            if forward:
                self._queue.append((signal_name, kwargs.get("event")))
        return handler

    def _step(self, task: Any) -> int:
        if self._removed:
            return Task.done
        try:
            self.socket.poll(timeout=self.poll_timeout, max_events=self.max_events)
        except ConnectionClosed:
            self._closed = True
        finally:
            self._forward()
        if self._closed:
            self._removed = True
            self._disconnect()
            return Task.done
        return Task.cont

    def _forward(self) -> None:
        while self._queue:
            signal_name, payload = self._queue.popleft()
            self._messenger.send(self.event_name(signal_name), [payload])

    def _disconnect(self) -> None:
        while self._connections:
            signal, handler = self._connections.pop()
            signal.disconnect(handler)


def attach_socket(socket: Any, base: Any = None, **options: Any) -> SocketTask:
    """Poll ``socket`` every frame and send its events to the messenger; returns the :class:`SocketTask`.

    Example: ``attach_socket(socket)``, then ``base.accept("nakama-match-state", on_state)``.
    Main thread. ``base`` (a ShowBase) picks its ``taskMgr`` and ``messenger``; ``options`` are
    :class:`SocketTask`'s (``prefix``, ``signals``, ``sort``, ``max_events``, ``poll_timeout``).
    """
    if base is not None:
        options.setdefault("task_mgr", base.taskMgr)
        options.setdefault("messenger", base.messenger)
    return SocketTask(socket, **options)
