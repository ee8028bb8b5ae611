"""Notifications: stored when persistent, pushed to every open socket of the user (PROTOCOL.md §7.7).

Other modules call ``hub.notify(...)``. The HTTP list/delete routes live here too.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._hub import Hub

NIL_UUID = "00000000-0000-0000-0000-000000000000"

MIGRATIONS = [
    """
    CREATE TABLE notification (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '{}',
        code INTEGER NOT NULL DEFAULT 0,
        sender_id TEXT NOT NULL DEFAULT '',
        create_time INTEGER NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX notification_user_seq ON notification (user_id, seq)
    """,
]


def rfc3339_seconds(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def install(hub: "Hub") -> None:
    hub.db.register("notifications", MIGRATIONS)

    def notify(user_id: str, subject: str, content: dict[str, Any], code: int,
               sender_id: str | None = None, persistent: bool = True) -> dict[str, Any]:
        """Store (if persistent) and push one notification; returns its wire form."""
        now = time.time()
        nid = str(uuid.uuid4())
        content_text = json.dumps(content, separators=(",", ":"))
        if persistent:
            seq = (hub.db.one("SELECT COALESCE(MAX(seq), 0) + 1 FROM notification")[0])
            hub.db.execute(
                "INSERT INTO notification (id, user_id, subject, content, code, sender_id, create_time, seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (nid, user_id, subject, content_text, code, sender_id or "", int(now), seq))
        wire: dict[str, Any] = {"id": nid, "subject": subject, "content": content_text}
        if code:
            wire["code"] = code
        wire["sender_id"] = sender_id or NIL_UUID
        wire["create_time"] = rfc3339_seconds(now)
        if persistent:
            wire["persistent"] = True
        for session in hub.user_sessions(user_id):
            session.send({"notifications": {"notifications": [wire]}})
        return wire

    hub.notify = notify  # type: ignore[attr-defined]
