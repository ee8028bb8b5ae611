"""Optional game-engine integrations. Each submodule imports its engine only when you import it.

- :mod:`nakama_sync.integrations.pygame`: socket events as pygame events in ``pygame.event.get()``
  (``pip install nakama-sync[pygame]``).
- :mod:`nakama_sync.integrations.panda3d`: a task that polls the socket each frame and forwards its
  events to Panda3D's messenger (``pip install nakama-sync[panda3d]``).

Example: ``from nakama_sync.integrations.pygame import PygameBridge``

Importing this package is safe from any thread and never imports pygame or panda3d.
"""
from __future__ import annotations

__all__ = ["SOCKET_SIGNALS"]

#: The socket signals both integrations forward by default (every signal of a Socket).
SOCKET_SIGNALS: tuple[str, ...] = (
    "connected", "closed", "received_error", "received_channel_message", "received_channel_presence",
    "received_matchmaker_matched", "received_match_state", "received_match_presence",
    "received_notification", "received_party", "received_party_close", "received_party_data",
    "received_party_join_request", "received_party_leader", "received_party_matchmaker_ticket",
    "received_party_presence", "received_status_presence", "received_stream_presence",
    "received_stream_state",
)
