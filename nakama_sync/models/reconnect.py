"""Models of the socket's automatic reconnection (signals ``reconnecting`` and ``reconnected``).

They are made by the client, never read from the wire. Immutable: any thread may read them.
"""
from __future__ import annotations

from ._base import Model, model, wire_field
from .realtime import Channel, Match

__all__ = ["LostItem", "SocketReconnected", "SocketReconnecting"]


@model
class SocketReconnecting(Model):
    """Sent on ``reconnecting`` before each attempt to get the connection back.

    ``attempt`` counts from 1, ``delay`` is the wait (seconds) before this attempt starts, ``cause`` why
    the previous connection (or attempt) failed.
    Example: ``def on_reconnecting(sender, event): hud.show(f"reconnecting ({event.attempt})...")``
    """

    attempt: int = 0
    delay: float = 0.0
    cause: str = ""


@model
class LostItem(Model):
    """Something the socket could not restore after a reconnect (see :class:`SocketReconnected`).

    ``kind`` is one of ``"match"``, ``"channel"``, ``"status"``, ``"follow"``, ``"matchmaker_ticket"``,
    ``"party"``, ``"party_matchmaker_ticket"``; ``id`` names it (match id, channel id, ticket, party id,
    user id); ``reason`` says why (e.g. the server's error, or "the server forgets it on disconnect").
    Example: ``if item.kind == "match": show_lobby()``
    """

    kind: str = ""
    id: str = ""
    reason: str = ""


@model
class SocketReconnected(Model):
    """Sent on ``reconnected`` once the connection is back and the socket restored what it could.

    ``attempts``: how many attempts it took; ``downtime``: seconds without a connection;
    ``matches`` / ``channels``: the matches and chat channels joined again (fresh replies: presences are
    current); ``followed_user_ids``: the users whose status is followed again; ``status_restored``:
    whether the last ``update_status`` text was sent again; ``lost``: what could not be restored, as
    :class:`LostItem` (matchmaker tickets and party membership never can be: the server drops them
    with the old connection). ``lost_kinds()`` helps: ``if "party" in event.lost_kinds(): ...``.
    Example: ``def on_reconnected(sender, event): print(len(event.matches), "matches back")``
    """

    attempts: int = 0
    downtime: float = 0.0
    matches: list[Match] = wire_field(default_factory=list)
    channels: list[Channel] = wire_field(default_factory=list)
    followed_user_ids: list[str] = wire_field(default_factory=list)
    status_restored: bool = False
    lost: list[LostItem] = wire_field(default_factory=list)

    def lost_kinds(self) -> set[str]:
        """The kinds of the lost items. Example: ``"match" in event.lost_kinds()``. Any thread."""
        return {item.kind for item in self.lost}
