"""Client methods: chat history and notifications (a mixin of Client; see _client_base for the contract)."""
from __future__ import annotations

from collections.abc import Iterable

from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .exceptions import InvalidArgumentType
from .models.chat_lists import ChannelMessageList, NotificationList
from .session import Session

__all__ = ["_ChatApi"]


class _ChatApi(_ClientBase):
    @checked
    def list_channel_messages(self, session: Session, channel_id: str, limit: int | None = None,
                              forward: bool | None = None, cursor: str | None = None) -> ChannelMessageList:
        """A page of a chat channel's saved messages (server default: 1 message, oldest first).

        Example: ``page = client.list_channel_messages(session, "2...lobby", limit=50)``
        ``forward=False`` lists newest first; pass ``page.next_cursor`` (or ``prev_cursor``) as
        ``cursor`` with the same ``forward`` to page on. Thread: any thread; blocks on one HTTP request.
        """
        query = {"limit": limit, "forward": forward, "cursor": cursor}
        data = self._call("GET", f"/v2/channel/{_quote(channel_id)}", session, query=query)
        return ChannelMessageList.from_wire(data)
    list_channel_messages_nowait = nowait(list_channel_messages)

    @checked
    def list_notifications(self, session: Session, limit: int | None = None,
                           cacheable_cursor: str | None = None) -> NotificationList:
        """The user's stored notifications, oldest first (server default: 1; pass a limit up to 100).

        Example: ``notes = client.list_notifications(session, limit=100).notifications``
        Pass a previous reply's ``cacheable_cursor`` to get only newer ones.
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"limit": limit, "cacheable_cursor": cacheable_cursor}
        return NotificationList.from_wire(self._call("GET", "/v2/notification", session, query=query))
    list_notifications_nowait = nowait(list_notifications)

    @checked
    def delete_notifications(self, session: Session, ids: Iterable[str]) -> None:
        """Delete stored notifications by id (unknown ids are ignored; a malformed id is ApiError 500).

        Example: ``client.delete_notifications(session, [n.id for n in notes])``
        Thread: any thread; blocks on one HTTP request.
        """
        if isinstance(ids, str):
            raise InvalidArgumentType("ids must be a list of notification ids, not a string")
        id_list = list(ids)
        if not id_list:
            return
        self._call("DELETE", "/v2/notification", session, query={"ids": id_list})
    delete_notifications_nowait = nowait(delete_notifications)
