"""WebSocket frames, sans-I/O: bytes from the server in, whole messages out; a client frame out.

:class:`FrameDecoder` knows no socket: ``feed(data)`` returns the messages completed by ``data`` as
``(opcode, payload)`` pairs, in order. It assembles fragmented messages, bounds the size of a WHOLE
message (``max_size``): an oversized message is refused in full (its frames are skipped as they arrive,
never kept in memory) and reported once as ``(TOO_BIG, b"<size>")``. Server frames are unmasked
(RFC 6455 §5.1): a masked frame, reserved bits, an unknown opcode, a fragmented or oversized control
frame, or a continuation out of place raise :class:`ProtocolError` (the connection must end).

:func:`client_frame` builds one masked, final client frame.
Thread safety: one decoder per connection, fed by its reader thread only.
"""
from __future__ import annotations

import struct

__all__ = ["BINARY", "CLOSE", "PING", "PONG", "TEXT", "TOO_BIG", "FrameDecoder", "ProtocolError", "client_frame"]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
#: Not an opcode: the message was over the size limit and skipped; the payload holds its size (ASCII).
TOO_BIG = -1

_Message = tuple[int, bytes]


class ProtocolError(Exception):
    """The server broke the WebSocket framing rules; the connection cannot go on."""


class FrameDecoder:
    """Turns the server's byte stream into whole messages. Example::

        decoder = FrameDecoder(max_size=1 << 20)
        for opcode, payload in decoder.feed(sock.recv(65536)):
            ...
    """

    __slots__ = ("_chunks", "_discard", "_frag", "_frag_op", "_frag_size", "_have", "_need", "_skip", "max_size")

    def __init__(self, max_size: int | None = None) -> None:
        self.max_size = max_size
        self._chunks: list[bytes] = []   # bytes of an incomplete frame (header and/or payload)
        self._have = 0                   # their total length
        self._need = 0                   # how many bytes the incomplete frame needs at least
        self._skip = 0                   # payload bytes still to drop (a refused frame)
        self._frag: list[bytes] | None = None   # payloads of the fragmented message being assembled
        self._frag_op = 0
        self._frag_size = 0
        self._discard = False            # dropping the rest of a refused fragmented message

    def buffered(self) -> int:
        """How many bytes wait for the rest of their frame (the trickle detector reads it)."""
        return self._have

    def feed(self, data: bytes) -> list[_Message]:
        """Add bytes from the server; return the messages they complete, in order. Raises ProtocolError."""
        if self._skip:
            if len(data) <= self._skip:
                self._skip -= len(data)
                return []
            data = data[self._skip:]
            self._skip = 0
        if self._chunks:
            self._chunks.append(data)
            self._have += len(data)
            if self._have < self._need:
                return []
            data = b"".join(self._chunks)
            self._chunks = []
            self._have = 0
        out: list[_Message] = []
        n = len(data)
        pos = 0
        limit = self.max_size
        while True:
            avail = n - pos
            if avail < 2:
                need = 2
                break
            b0 = data[pos]
            b1 = data[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if avail < 4:
                    need = 4
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                head = 4
            elif length == 127:
                if avail < 10:
                    need = 10
                    break
                length = struct.unpack_from("!Q", data, pos + 2)[0]
                head = 10
            if b1 & 0x80:
                raise ProtocolError("the server sent a masked frame")
            if b0 & 0x70:
                raise ProtocolError("the server set reserved bits (no extension was agreed)")
            opcode = b0 & 0x0F
            fin = b0 & 0x80
            if opcode >= 8:
                if not fin or length > 125:
                    raise ProtocolError("fragmented or oversized control frame")
                if opcode not in (CLOSE, PING, PONG):
                    raise ProtocolError(f"unknown opcode {opcode}")
            elif opcode == CONTINUATION:
                if self._frag is None and not self._discard:
                    raise ProtocolError("continuation frame without a message to continue")
            elif opcode in (TEXT, BINARY):
                if self._frag is not None or self._discard:
                    raise ProtocolError("a new message started inside a fragmented message")
            else:
                raise ProtocolError(f"unknown opcode {opcode}")
            end = pos + head + length
            if opcode < 8 and (self._discard or (limit is not None and self._frag_size + length > limit)):
                if not self._discard:   # refuse the whole message, once
                    out.append((TOO_BIG, str(self._frag_size + length).encode()))
                    self._frag = None
                    self._frag_size = 0
                self._discard = not fin
                if end > n:
                    self._skip = end - n
                    return out
                pos = end
                continue
            if end > n:
                need = head + length
                break
            payload = data[pos + head:end]
            pos = end
            if opcode >= 8:
                out.append((opcode, payload))
            elif opcode != CONTINUATION:
                if fin:
                    out.append((opcode, payload))
                else:
                    self._frag = [payload]
                    self._frag_op = opcode
                    self._frag_size = length
            else:
                frag = self._frag
                assert frag is not None
                frag.append(payload)
                self._frag_size += length
                if fin:
                    out.append((self._frag_op, b"".join(frag)))
                    self._frag = None
                    self._frag_size = 0
        if pos < n:
            rest = data[pos:] if pos else data
            self._chunks = [rest]
            self._have = len(rest)
            self._need = need
        return out


def client_frame(payload: bytes, key: bytes, opcode: int = TEXT) -> bytes:
    """One final client frame carrying ``payload``, masked with the 4 random bytes ``key`` (RFC 6455 §5.3)."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0xFE, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0xFF, n)
    if n:
        whole, rest = divmod(n, 4)
        mask = key * whole + key[:rest]
        masked = (int.from_bytes(payload, "little") ^ int.from_bytes(mask, "little")).to_bytes(n, "little")
    else:
        masked = b""
    return head + key + masked
