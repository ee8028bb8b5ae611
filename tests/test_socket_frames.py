"""Bad frames never kill the reader; every pushed frame of the real-server transcripts parses (issue 3)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from nakama_sync import _socket_codec
from nakama_sync.models import Notification, SocketErrorEvent, StreamData, StreamPresenceEvent

from ._shared import shared_path
from ._socket_helpers import inject, pump_until, recorder, sockets  # noqa: F401


@pytest.mark.devserver_only("injects malformed frames from the server side")
def test_malformed_frames_are_reported_and_survived(devserver, sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    errors = recorder(sock, "received_error")
    notes = recorder(sock, "received_notification")
    states = recorder(sock, "received_match_state")
    inject(devserver, session.user_id,
           "not json",
           b"\x00\x01binary",
           "[1, 2, 3]",
           '{"match_data": {"match_id": "m.", "op_code": "not-a-number"}}',
           '{"match_data": 5}',
           '{"match_data": {"match_id": "m.", "data": 12}}',
           '{"notifications": {"notifications": "oops"}}',
           '{"some_future_message": {"x": 1}}',
           '{"cid": "999999", "rpc": {"id": "late"}}',
           "{}",
           '{"match_data": {"match_id": "m.", "op_code": "3", "data": "eHk="}}')
    pump_until(sock, lambda: states, what="the good frame after the bad ones")
    assert states[0].op_code == 3 and states[0].data == b"xy"
    assert len(errors) == 7, errors
    assert all(isinstance(e, SocketErrorEvent) and e.kind == "malformed_frame" and e.code == -1 for e in errors)
    assert errors[0].raw == "not json"
    assert "binary" in errors[1].message
    assert notes == []
    sock.ping()
    devserver.notify(session.user_id, "after", {"ok": True})
    pump_until(sock, lambda: notes, what="a notification")
    assert notes[0].subject == "after" and notes[0].content == {"ok": True}


@pytest.mark.devserver_only("pushes a hand-made notifications frame from the server side")
def test_one_event_per_notification_in_a_push(devserver, sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    notes = recorder(sock, "received_notification")
    frame = {"notifications": {"notifications": [
        {"id": "1", "subject": "a", "content": '{"n":1}', "code": 5, "sender_id": "s",
         "create_time": "2026-11-25T21:33:45Z", "persistent": True},
        {"id": "2", "subject": "b", "content": "{}"}]}}
    inject(devserver, session.user_id, json.dumps(frame))
    pump_until(sock, lambda: len(notes) == 2, what="two notifications")
    assert [n.id for n in notes] == ["1", "2"]
    assert notes[0].code == 5 and notes[0].persistent and notes[0].create_time.year == 2026
    assert notes[1] == Notification(id="2", subject="b", content={})


@pytest.mark.devserver_only("pushes an unsolicited error frame from the server side")
def test_server_error_without_request_goes_to_received_error(devserver, sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    errors = recorder(sock, "received_error")
    inject(devserver, session.user_id, '{"error": {"code": 3, "message": "Invalid match ID"}}')
    pump_until(sock, lambda: errors, what="the error event")
    assert errors[0] == SocketErrorEvent(code=3, message="Invalid match ID", kind="server")


@pytest.mark.devserver_only("drives streams through the dev server's Python API")
def test_stream_events(devserver, sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    data, presence = recorder(sock, "received_stream_state"), recorder(sock, "received_stream_presence")
    inject(devserver, session.user_id,
           '{"stream_data":{"stream":{"mode":99,"label":"testkit"},"data":"hello-stream","reliable":true}}',
           '{"stream_presence_event":{"stream":{"mode":99,"label":"testkit"},"joins":[{"user_id":"u",'
           '"session_id":"s","username":"n"}]}}')
    pump_until(sock, lambda: data and presence, what="stream events")
    assert isinstance(data[0], StreamData) and data[0].stream.mode == 99 and data[0].data == "hello-stream"
    assert data[0].reliable and data[0].sender is None
    assert isinstance(presence[0], StreamPresenceEvent) and presence[0].joins[0].username == "n"


def _pushed_frames() -> list[tuple[str, dict[str, Any]]]:
    frames = []
    for path in sorted(shared_path("transcripts").glob("*.json")):
        for step in json.loads(path.read_text()):
            frame = step.get("frame")
            if (step.get("kind") == "ws" and step.get("dir") == "recv" and isinstance(frame, dict)
                    and "cid" not in frame and len(frame) == 1):
                frames.append((path.stem, frame))
    return frames


def test_every_pushed_frame_of_the_real_server_parses():
    import nakama_sync.socket  # noqa: F401  (registers the events, including the party mixin's)

    frames = _pushed_frames()
    assert frames
    seen = set()
    for flow, frame in frames:
        ((key, payload),) = frame.items()
        if key not in _socket_codec.EVENTS:
            continue
        seen.add(key)
        _signal_name, parser = _socket_codec.EVENTS[key]
        result = parser(payload)
        for event in result if isinstance(result, list) else [result]:
            assert event is not None, (flow, key)
    assert {"match_data", "match_presence_event", "notifications", "status_presence_event",
            "channel_message", "channel_presence_event", "stream_data", "stream_presence_event"} <= seen
