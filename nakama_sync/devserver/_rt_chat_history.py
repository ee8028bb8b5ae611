"""``GET /v2/channel/{channel_id}``: saved chat messages with cursors: oldest first
by default (``forward=false``: newest first); ``next_cursor`` only when more follow, ``prev_cursor`` only
when a cursor was passed and earlier messages exist; ``cacheable_cursor`` always.

Cursors are opaque to clients: here base64url of a small JSON object naming the channel, the
direction, the message the page ended on and whether the cursor goes on (``next``) or back (``prev``).
Only messages saved by a presence with persistence are listed, each with ``persistent: true``.
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from ._apiutil import is_int64, pg_refuses
from ._http import ApiFailure, ApiRequest
from ._rt_chat import DM, GROUP, ChannelRef, format_ts, jsonb_text, parse_channel_id

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install_history"]

BAD_INPUT = 3
_COLUMNS = "id, code, sender_id, username, content, create_time, update_time"


def _encode_cursor(channel_id: str, row: Any, forward: bool, is_next: bool) -> str:
    data = {"c": channel_id, "t": row["create_time"], "i": row["id"], "f": forward, "n": is_next}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _decode_cursor(text: str, channel_id: str, forward: bool) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        ok = (isinstance(data, dict) and data.get("c") == channel_id and data.get("f") is forward
              and is_int64(data.get("t")) and isinstance(data.get("i"), str)
              and isinstance(data.get("n"), bool))
    except (ValueError, TypeError, RecursionError):
        ok = False
    if not ok:
        raise ApiFailure(BAD_INPUT, "Cursor is invalid or expired.")
    return data


def _message(ref: ChannelRef, row: Any) -> dict[str, Any]:
    body = {"channel_id": ref.id, "message_id": row["id"], "code": row["code"], "sender_id": row["sender_id"],
            "username": row["username"], "content": jsonb_text(row["content"]),
            "create_time": format_ts(row["create_time"]), "update_time": format_ts(row["update_time"]),
            "persistent": True}
    body.update(ref.fields())
    return body


def install_history(hub: Hub) -> None:
    def list_messages(req: ApiRequest) -> dict[str, Any]:
        channel_id = req.match_info.get("channel_id", "")
        limit = req.q_int("limit", 1)
        assert limit is not None
        if not 1 <= limit <= 100:
            raise ApiFailure(BAD_INPUT, "Invalid limit - limit must be between 1 and 100.")
        forward = req.q_bool("forward", True)
        ref = parse_channel_id(channel_id) if channel_id else None
        if ref is None or len(ref.label) > 64:   # Nakama's room names: 1-64 characters
            raise ApiFailure(BAD_INPUT, "Invalid channel ID.")
        if pg_refuses(ref.label):
            raise ApiFailure(13, "Error listing messages from channel.")
        if ref.mode == GROUP and not hub.chat.is_group_member(ref.subject, req.user_id):  # type: ignore[attr-defined]
            raise ApiFailure(BAD_INPUT, "Group not found.")
        if ref.mode == DM and req.user_id not in (ref.subject, ref.subcontext):
            raise ApiFailure(BAD_INPUT, "Channel not found.")
        cursor_text = req.q("cursor") or ""
        cursor = _decode_cursor(cursor_text, ref.id, bool(forward)) if cursor_text else None
        # "up" = towards newer messages. A next cursor keeps the request's direction, a prev cursor reverses it.
        up = bool(forward) if cursor is None or cursor["n"] else not forward
        order = "ASC" if up else "DESC"
        where, params = "channel_id = ?", [ref.id]
        if cursor is not None:
            where += f" AND (create_time, id) {'>' if up else '<'} (?, ?)"
            params += [cursor["t"], cursor["i"]]
        rows = hub.db.all(f"SELECT {_COLUMNS} FROM message WHERE {where}"
                          f" ORDER BY create_time {order}, id {order} LIMIT ?", (*params, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        if cursor is not None and not cursor["n"]:
            rows.reverse()   # a prev page comes back in the request's order
        out: dict[str, Any] = {}
        if rows:
            out["messages"] = [_message(ref, r) for r in rows]
            is_prev_page = cursor is not None and not cursor["n"]
            if more or is_prev_page:
                out["next_cursor"] = _encode_cursor(ref.id, rows[-1], bool(forward), True)
            if cursor is not None and (cursor["n"] or more):
                out["prev_cursor"] = _encode_cursor(ref.id, rows[0], bool(forward), False)
            out["cacheable_cursor"] = _encode_cursor(ref.id, rows[-1], bool(forward), True)
        return out

    hub.routes.add("GET", "/v2/channel/{channel_id}", list_messages)
