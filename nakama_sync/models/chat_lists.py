"""Models: the HTTP lists of chat messages and notifications (see nakama_sync.models)."""
from __future__ import annotations

from ._base import Model, model, wire_field
from .realtime import ChannelMessage, Notification

__all__ = ["ChannelMessageList", "NotificationList"]


@model
class ChannelMessageList(Model):
    """A page of saved chat messages (reply to ``Client.list_channel_messages``).

    Example: ``page = client.list_channel_messages(session, channel.id, limit=20); page.messages``
    Follow ``next_cursor`` for more and ``prev_cursor`` to go back; keep ``cacheable_cursor`` to fetch
    only newer messages later. Immutable: any thread may read it.
    """

    messages: list[ChannelMessage] = wire_field(default_factory=list)
    next_cursor: str = ""
    prev_cursor: str = ""
    cacheable_cursor: str = ""


@model
class NotificationList(Model):
    """Stored notifications, oldest first (reply to ``Client.list_notifications``).

    Example: ``page = client.list_notifications(session, limit=100); page.notifications``
    Pass ``cacheable_cursor`` back later to get only the newer ones. Immutable: any thread may read it.
    """

    notifications: list[Notification] = wire_field(default_factory=list)
    cacheable_cursor: str = ""
