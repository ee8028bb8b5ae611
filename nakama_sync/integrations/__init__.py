"""Optional game-engine integrations. Each submodule imports its engine only when you import it.

- :mod:`nakama_sync.integrations.pygame`: socket events as pygame events in ``pygame.event.get()``
  (``pip install nakama-sync[pygame]``).
- :mod:`nakama_sync.integrations.panda3d`: a task that polls the socket each frame and forwards its
  events to Panda3D's messenger (``pip install nakama-sync[panda3d]``).

Example: ``from nakama_sync.integrations.pygame import PygameBridge``

Importing this package is safe from any thread and never imports pygame or panda3d.
"""
from __future__ import annotations

from .._events import SIGNAL_NAMES

__all__ = ["SOCKET_SIGNALS"]

#: The socket signals both integrations forward by default: every signal of a Socket, read from the one
#: signal table (``nakama_sync._events.SIGNALS``), so ``reconnecting``/``reconnected`` are included.
SOCKET_SIGNALS: tuple[str, ...] = SIGNAL_NAMES
