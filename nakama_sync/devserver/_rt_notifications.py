"""Notifications: stored when persistent, pushed to every open socket of the user (see
https://heroiclabs.com/docs/nakama/concepts/notifications/).

Other modules call ``hub.notify(user_id, subject, content_dict, code, sender_id, persistent)`` (loop
thread). The HTTP routes live here too: ``GET /v2/notification`` (oldest first, default limit 1,
``cacheable_cursor`` for newer ones only; system notifications without ``sender_id``; content
re-serialized as the database prints it) and ``DELETE /v2/notification?ids=...``.
"""
from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ._apiutil import is_int64
from ._http import ApiFailure, ApiRequest
from ._rt_chat import jsonb_text

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


def install(hub: Hub) -> None:
    hub.db.register("notifications", MIGRATIONS)

    def notify(user_id: str, subject: str, content: dict[str, Any], code: int,
               sender_id: str | None = None, persistent: bool = True) -> dict[str, Any]:
        """Store (if persistent) and push one notification; returns its wire form."""
        now = time.time()
        nid = str(uuid.uuid4())
        content_text = json.dumps(content, separators=(",", ":"))
        if persistent:
            seq = (hub.db.scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM notification"))
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

    hub.notify = notify

    def list_notifications(req: ApiRequest) -> dict[str, Any]:
        limit = req.q_int("limit", 1)
        assert limit is not None
        if not 1 <= limit <= 100:
            raise ApiFailure(3, "Invalid limit - limit must be between 1 and 100.")
        after = _decode_cursor(req.q("cacheable_cursor") or "")
        rows = hub.db.all("SELECT * FROM notification WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                          (req.user_id, after, limit))
        out: dict[str, Any] = {}
        if rows:
            out["notifications"] = [_listed(r) for r in rows]
        out["cacheable_cursor"] = _encode_cursor(rows[-1]["seq"] if rows else after)
        return out

    def delete_notifications(req: ApiRequest) -> dict[str, Any]:
        ids = req.q_all("ids")
        try:
            ids = [str(uuid.UUID(i)) for i in ids]
        except ValueError as exc:
            raise ApiFailure(13, "Error while deleting notifications.") from exc
        for nid in ids:
            hub.db.execute("DELETE FROM notification WHERE id = ? AND user_id = ?", (nid, req.user_id))
        return {}

    hub.routes.add("GET", "/v2/notification", list_notifications)
    hub.routes.add("DELETE", "/v2/notification", delete_notifications)


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": seq}).encode()).decode()


def _decode_cursor(text: str) -> int:
    """The sequence number of a cacheable cursor; any other cursor fails as on Nakama 3.40, whose
    listing turns the cursor's decoding error into its internal error (500)."""
    if not text:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if isinstance(data, dict) and is_int64(data.get("s")):
            return int(data["s"])
    except (ValueError, TypeError, RecursionError):
        pass
    raise ApiFailure(13, "Error retrieving notifications.")


def _listed(row: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {"id": row["id"], "subject": row["subject"], "content": jsonb_text(row["content"])}
    if row["code"]:
        wire["code"] = row["code"]
    if row["sender_id"] and row["sender_id"] != NIL_UUID:
        wire["sender_id"] = row["sender_id"]
    wire["create_time"] = rfc3339_seconds(row["create_time"])
    wire["persistent"] = True
    return wire
