"""Authoritative matches with the echo_match handler (PROTOCOL.md §7.1); valid on a real Nakama with
tests/nakama_module.lua (create_echo_match, signal_match)."""
from __future__ import annotations

import json
import uuid
from typing import Any

from .test_devserver_realtime_base import connect_fixture, presence  # noqa: F401


def test_echo_match_join_data_signal_leave(connect: Any) -> None:
    a, b = connect(), connect()
    label = f"echo-{uuid.uuid4().hex[:6]}"
    mid = a.ok("rpc", {"id": "create_echo_match", "payload": json.dumps({"label": label, "tick_rate": 10})},
               "rpc")["payload"]
    assert mid.count(".") == 1 and not mid.endswith(".")
    joined = a.ok("match_join", {"match_id": mid}, "match")
    assert joined == {"match_id": mid, "authoritative": True, "label": label, "self": presence(a, a.session_id)}
    joined = b.ok("match_join", {"match_id": mid, "metadata": {"role": "tank"}}, "match")
    assert joined["size"] == 1 and joined["presences"] == [presence(a, a.session_id)]
    assert a.push("match_presence_event", match_id=mid)["joins"] == [presence(a, a.session_id)]
    assert a.push("match_presence_event", match_id=mid)["joins"] == [presence(b, b.session_id)]

    a.send({"match_data_send": {"match_id": mid, "op_code": 5, "data": "cGluZw==",
                                "presences": [presence(a, a.session_id)]}})
    expected = {"match_id": mid, "presence": presence(a, a.session_id), "op_code": "5", "data": "cGluZw=="}
    assert a.push("match_data") == expected and b.push("match_data") == expected  # the handler echoes to all

    payload = json.dumps({"match_id": mid, "data": "sig"})
    assert a.ok("rpc", {"id": "signal_match", "payload": payload}, "rpc") == {"id": "signal_match", "payload": "sig"}
    b.ok("match_leave", {"match_id": mid})
    assert a.push("match_presence_event", match_id=mid) == {"match_id": mid, "leaves": [presence(b, b.session_id)]}
    a.ok("match_leave", {"match_id": mid})
    again = b.ok("match_join", {"match_id": mid}, "match")  # still running with nobody in it
    assert again["authoritative"] is True and "size" not in again
