"""The socket's sans-I/O parts on bytes alone: the frame decoder and the strict codec."""
from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from nakama_sync import _socket_codec as codec
from nakama_sync._socket_frames import (
    BINARY,
    CLOSE,
    PING,
    TEXT,
    TOO_BIG,
    FrameDecoder,
    ProtocolError,
    client_frame,
)
from nakama_sync.models import Match, MatchData, UserPresence

from ._hostile_server import frame


def _feed_all(decoder: FrameDecoder, data: bytes, step: int | None = None) -> list[tuple[int, bytes]]:
    if step is None:
        return decoder.feed(data)
    out: list[tuple[int, bytes]] = []
    for i in range(0, len(data), step):
        out += decoder.feed(data[i:i + step])
    return out


STREAM = (frame(b"hello") + frame(b"a" * 200) + frame(b"x" * 70_000) + frame(b"ab", TEXT, fin=False)
          + frame(b"p", PING) + frame(b"cd", 0, fin=True) + frame(b"\x01\x02", BINARY) + frame(b"end"))


@pytest.mark.parametrize("step", [None, 1, 2, 3, 7, 1000, 65_536])
def test_decoder_gives_whole_messages_however_the_bytes_arrive(step: int | None) -> None:
    got = _feed_all(FrameDecoder(None), STREAM, step)
    assert got == [(TEXT, b"hello"), (TEXT, b"a" * 200), (TEXT, b"x" * 70_000), (PING, b"p"),
                   (TEXT, b"abcd"), (BINARY, b"\x01\x02"), (TEXT, b"end")]


@pytest.mark.parametrize("step", [None, 1, 5, 100])
def test_an_oversized_message_is_refused_whole_and_the_stream_stays_in_step(step: int | None) -> None:
    data = (frame(b"y" * 60, TEXT, fin=False) + frame(b"z" * 60, 0, fin=False) + frame(b"w", 0, fin=True)
            + frame(b"q" * 300) + frame(b"next"))
    got = _feed_all(FrameDecoder(100), data, step)
    assert got == [(TOO_BIG, b"120"), (TOO_BIG, b"300"), (TEXT, b"next")]


def test_a_huge_announced_length_is_skipped_without_being_kept() -> None:
    decoder = FrameDecoder(1024)
    head = struct.pack("!BBQ", 0x81, 127, 10 * 1024 * 1024)
    assert decoder.feed(head + b"x" * 1000) == [(TOO_BIG, str(10 * 1024 * 1024).encode())]
    for _ in range(100):
        assert decoder.feed(b"x" * 65536) == []
    assert decoder.buffered() == 0
    rest = 10 * 1024 * 1024 - 1000 - 100 * 65536
    assert decoder.feed(b"x" * rest + frame(b"ok")) == [(TEXT, b"ok")]


@pytest.mark.parametrize("bad", [
    bytes((0x81, 0x85)) + b"\x00" * 9,               # masked server frame
    bytes((0xC1, 0x01)) + b"x",                      # RSV1 without an extension
    bytes((0x83, 0x01)) + b"x",                      # reserved opcode
    bytes((0x09, 0x01)) + b"x",                      # fragmented control frame
    struct.pack("!BBH", 0x89, 126, 200) + b"x" * 200,   # control frame over 125 bytes
    frame(b"x", 0),                                   # continuation with nothing to continue
    frame(b"a", TEXT, fin=False) + frame(b"b"),       # new message inside a fragmented one
])
def test_protocol_violations_raise(bad: bytes) -> None:
    with pytest.raises(ProtocolError):
        FrameDecoder(None).feed(bad)


def test_client_frame_is_masked_and_round_trips() -> None:
    key = b"\x01\x02\x03\x04"
    for payload in (b"", b"abc", b"x" * 200, b"y" * 70_000):
        data = client_frame(payload, key)
        assert data[0] == 0x81 and data[1] & 0x80
        n = data[1] & 0x7F
        offset = 2 if n < 126 else (4 if n == 126 else 10)
        masked = data[offset + 4:]
        assert data[offset:offset + 4] == key
        assert bytes(b ^ key[i % 4] for i, b in enumerate(masked)) == payload
    assert client_frame(b"\x03\xe8", key, CLOSE)[0] == 0x88


# ---- codec ----------------------------------------------------------------------------------------------
PRESENCE = {"user_id": "u", "session_id": "s", "username": "n"}


def test_match_data_reads_protojson() -> None:
    event = codec.match_data({"match_id": "m.", "presence": PRESENCE, "op_code": "12",
                              "data": base64.b64encode(b"\x00\xff").decode(), "reliable": True})
    assert event == MatchData(match_id="m.", presence=UserPresence("u", "s", "n"), op_code=12, data=b"\x00\xff",
                              reliable=True)
    assert codec.match_data({"match_id": "m.", "op_code": 3}).op_code == 3
    assert codec.match_data({"match_id": "m.", "op_code": str(2**63 - 1)}).op_code == 2**63 - 1
    assert codec.match_data({"match_id": "m.", "op_code": "-5"}).op_code == -5
    assert codec.match_data({"match_id": "m.", "data": "_-8"}).data == b"\xff\xef"   # URL-safe, unpadded


@pytest.mark.parametrize("payload", [
    None, [], "x", {"op_code": "1"}, {"match_id": "m.", "op_code": {}}, {"match_id": "m.", "op_code": []},
    {"match_id": "m.", "op_code": True}, {"match_id": "m.", "op_code": 1.9}, {"match_id": "m.", "op_code": "1.9"},
    {"match_id": "m.", "op_code": " 1"}, {"match_id": "m.", "data": "%%%"}, {"match_id": "m.", "data": 1},
    {"match_id": "m.", "reliable": 1}, {"match_id": "m.", "presence": []},
    {"match_id": "m.", "op_code": str(2**63)}, {"match_id": "m.", "op_code": -2**63 - 1},
    {"match_id": "m.", "op_code": "1" * 5000}, {"match_id": "m.", "op_code": 1e400},
    {"match_id": "m.", "presence": {"user_id": 1}},
])
def test_match_data_refuses_wrong_types(payload: Any) -> None:
    with pytest.raises(codec.DecodeError):
        codec.match_data(payload)


def test_reply_decoders_need_their_required_fields() -> None:
    read = codec.reply_decoder(Match)
    assert read is not None
    assert read({"match_id": "m.", "size": "2", "self": PRESENCE}).self_presence == UserPresence("u", "s", "n")
    for bad in (None, {}, {"match_id": ""}, {"match_id": 5}, {"match_id": "m.", "size": "two"},
                {"match_id": "m.", "presences": {}}):
        with pytest.raises(codec.DecodeError):
            read(bad)


def test_every_event_decoder_refuses_null_and_non_objects() -> None:
    for key, (_signal, decode) in codec.EVENTS.items():
        for bad in (None, [], "x", 1):
            with pytest.raises(codec.DecodeError):
                decode(bad)
        assert key


def test_error_payloads_are_strict() -> None:
    assert codec.error_from_wire({"code": 3, "message": "bad", "context": {"a": "b"}}).code == 3
    for bad in ({"code": "x"}, {"code": 1, "message": 2}, {"context": {"a": 1}}, None):
        with pytest.raises(codec.DecodeError):
            codec.error_from_wire(bad)


def test_too_costly_counts_without_decoding() -> None:
    assert codec.too_costly(b"[" + b"{}," * 10 + b"{}]", 5) == 12
    assert codec.too_costly(b'{"a":[1,2]}', 5) == 0


def test_encode_checks_the_size_the_server_accepts() -> None:
    assert codec.encode({"cid": "1", "ping": {}}, 4096) == b'{"cid":"1","ping":{}}'
    with pytest.raises(ValueError, match="match_data_send message is"):
        codec.encode({"match_data_send": {"data": "x" * 5000}}, 4096)
