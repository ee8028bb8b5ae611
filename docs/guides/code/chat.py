"""The code shown in docs/guides/chat.md; tests/test_docs_guides.py runs it against the test target."""
from __future__ import annotations

from collections import deque

import nakama_sync
from nakama_sync import ChannelType


def join_and_talk(socket: nakama_sync.Socket, room: str, lines: deque[str]) -> nakama_sync.Channel:
    # --8<-- [start:room]
    def on_message(sender: nakama_sync.Socket, event: nakama_sync.ChannelMessage) -> None:
        lines.append(f"{event.username}: {event.content.get('text', '')}")

    socket.received_channel_message.connect(on_message)

    channel = socket.join_chat(room, ChannelType.ROOM, persistence=True)   # keep a history
    ack = socket.write_chat_message(channel.id, {"text": "gg"})
    socket.update_chat_message(channel.id, ack.message_id, {"text": "good game!"})
    # --8<-- [end:room]
    return channel


def direct(socket: nakama_sync.Socket, friend_id: str) -> nakama_sync.Channel:
    # --8<-- [start:direct]
    dm = socket.join_chat(friend_id, ChannelType.DIRECT_MESSAGE)      # a user id
    socket.write_chat_message(dm.id, {"text": "want to play?"})
    # --8<-- [end:direct]
    return dm


def history(client: nakama_sync.Client, session: nakama_sync.Session,
            channel: nakama_sync.Channel) -> list[nakama_sync.ChannelMessage]:
    # --8<-- [start:history]
    page = client.list_channel_messages(session, channel.id, limit=50, forward=False)   # newest first
    latest = page.messages
    # --8<-- [end:history]
    return latest


def notifications(socket: nakama_sync.Socket, inbox: list[str]) -> None:
    # --8<-- [start:notifications]
    def on_notification(sender: nakama_sync.Socket, event: nakama_sync.Notification) -> None:
        if event.code == -1:        # "<username> wants to chat": someone opened a direct chat with us
            sender.join_chat_nowait(event.sender_id, ChannelType.DIRECT_MESSAGE)
        else:
            inbox.append(f"{event.subject}: {event.content}")

    socket.received_notification.connect(on_notification)
    # --8<-- [end:notifications]
