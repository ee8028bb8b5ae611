"""Exceptions raised by nakama-sync.

The tree::

    NakamaError
     +-- ApiError                  an HTTP call failed (status_code, grpc_code, message)
     +-- SocketError               the server answered a socket request with an error (code, message, context)
     +-- RequestTimeout            no reply in time (also a builtin TimeoutError)
     +-- ConnectionClosed          the socket is closed or closed while waiting (also a ConnectionError)
     +-- TransportError            the HTTP request never got an answer: refused, reset, TLS (also ConnectionError)
     +-- SessionError              a token could not be read, or a session cannot be refreshed
     +-- ReentrantPollError        poll() was called from inside a handler (also a RuntimeError)
     +-- UsageError                a call made in a state or on a thread where it cannot work (also a RuntimeError)
     |    +-- AlreadyConnected     connect() on a socket that is connected, connecting or reconnecting
     +-- SignalUsedAsBool          ``if socket.closed:`` (a signal) instead of ``socket.is_connected`` (also a TypeError)
     +-- DecodeError               data from the server of the wrong shape (also a ValueError)
     +-- InvalidArgument           a bad argument, refused before anything is sent (also a ValueError)
          +-- InvalidArgumentType  an argument of the wrong type (also a TypeError)

Every exception that wraps another is raised ``from`` it, so the original stays in ``__cause__``.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

__all__ = [
    "AlreadyConnected",
    "ApiError",
    "ConnectionClosed",
    "DecodeError",
    "HttpTimeout",
    "InvalidArgument",
    "InvalidArgumentType",
    "NakamaError",
    "ReentrantPollError",
    "RequestTimeout",
    "SessionError",
    "SignalUsedAsBool",
    "SocketError",
    "SocketErrorCode",
    "TransportError",
    "UsageError",
]


class NakamaError(Exception):
    """Base class of every error this library raises on purpose.

    Example: ``except nakama_sync.NakamaError as exc: print(exc)``
    """


class ApiError(NakamaError):
    """An HTTP API call got an error reply.

    ``status_code`` is the HTTP status, ``grpc_code`` the gRPC code from the body (``None`` when the body
    was not Nakama's JSON, e.g. an HTML page from a proxy), ``message`` the server's text.

    Example: ``except ApiError as exc: if exc.status_code == 401: ...``
    """

    def __init__(self, status_code: int, grpc_code: int | None, message: str, body: Any = None) -> None:
        self.status_code = status_code
        self.grpc_code = grpc_code
        self.message = message
        self.body = body
        super().__init__(f"HTTP {status_code} (grpc code {grpc_code}): {message}")

    def __reduce__(self):  # keep pickling working with the custom __init__
        return (type(self), (self.status_code, self.grpc_code, self.message, self.body))


class SocketErrorCode(IntEnum):
    """Nakama's realtime error codes (``Error.Code`` of ``rtapi/realtime.proto``).

    Example: ``if exc.code == SocketErrorCode.MATCH_NOT_FOUND: print("no such match")``
    """

    RUNTIME_EXCEPTION = 0            #: the server raised while handling the message
    UNRECOGNIZED_PAYLOAD = 1         #: the server did not understand the message
    MISSING_PAYLOAD = 2              #: the envelope carried no message
    BAD_INPUT = 3                    #: a field of the message is invalid
    MATCH_NOT_FOUND = 4              #: no such match (or it ended)
    MATCH_JOIN_REJECTED = 5          #: the authoritative match refused the join
    RUNTIME_FUNCTION_NOT_FOUND = 6   #: no RPC registered with that id
    RUNTIME_FUNCTION_EXCEPTION = 7   #: the RPC raised an error


class SocketError(NakamaError):
    """The server answered a socket request with an ``error`` envelope.

    ``code`` is Nakama's realtime error code: a :class:`SocketErrorCode` member (3 bad input, 4 match not
    found, 6 RPC not found, ...), or an ``int`` for a code newer than this library. The class keeps the
    codes as constants too (``SocketError.MATCH_NOT_FOUND``).

    Example: ``except SocketError as exc: if exc.code == SocketErrorCode.MATCH_NOT_FOUND: print("gone")``
    """

    RUNTIME_EXCEPTION = SocketErrorCode.RUNTIME_EXCEPTION
    UNRECOGNIZED_PAYLOAD = SocketErrorCode.UNRECOGNIZED_PAYLOAD
    MISSING_PAYLOAD = SocketErrorCode.MISSING_PAYLOAD
    BAD_INPUT = SocketErrorCode.BAD_INPUT
    MATCH_NOT_FOUND = SocketErrorCode.MATCH_NOT_FOUND
    MATCH_JOIN_REJECTED = SocketErrorCode.MATCH_JOIN_REJECTED
    RUNTIME_FUNCTION_NOT_FOUND = SocketErrorCode.RUNTIME_FUNCTION_NOT_FOUND
    RUNTIME_FUNCTION_EXCEPTION = SocketErrorCode.RUNTIME_FUNCTION_EXCEPTION

    def __init__(self, code: int, message: str, context: Mapping[str, str] | None = None) -> None:
        self.code: SocketErrorCode | int = _socket_error_code(code)
        self.message = message
        self.context = dict(context or {})
        super().__init__(f"socket error {code}: {message}")

    def __reduce__(self):
        return (type(self), (self.code, self.message, self.context))


def _socket_error_code(code: int) -> SocketErrorCode | int:
    """``code`` as its :class:`SocketErrorCode` member, or the int itself when unknown."""
    try:
        return SocketErrorCode(code)
    except ValueError:
        return code


class RequestTimeout(NakamaError, TimeoutError):
    """A request got no reply within its timeout.

    Example: ``except RequestTimeout: print("server too slow")``
    """


class ConnectionClosed(NakamaError, ConnectionError):
    """The socket is not connected, or the connection ended while a request waited.

    ``reason`` says why, when known.

    Example: ``except ConnectionClosed as exc: print(exc.reason)``
    """

    def __init__(self, reason: str = "connection closed") -> None:
        self.reason = reason
        super().__init__(reason)

    def __reduce__(self):
        return (type(self), (self.reason,))


class TransportError(NakamaError, ConnectionError):
    """An HTTP request never got an answer (connection refused or reset, TLS failure, timeout).

    Timeouts raise the subclass :class:`HttpTimeout`.

    Example: ``except TransportError: print("server unreachable")``
    """


class HttpTimeout(TransportError, TimeoutError):
    """An HTTP request got no answer within the client's timeout.

    Example: ``except HttpTimeout: retry_later()``
    """


class SessionError(NakamaError):
    """A session token could not be read, or an expired session cannot be refreshed.

    Example: ``except SessionError: session = client.authenticate_device(device_id)``
    """


class ReentrantPollError(NakamaError, RuntimeError):
    """``Socket.poll()`` (or ``next_event()``) was called from inside an event handler.

    Example: ``except ReentrantPollError: ...`` (better: do not call poll() in a handler)
    """


class UsageError(NakamaError, RuntimeError):
    """A call was made in a state, or on a thread, where it cannot work; nothing was done.

    For example ``future.result()`` on the socket's reader thread (it would deadlock), or
    ``next_event()`` on a socket made with ``use_main_thread=False``. Also a ``RuntimeError``.

    Example: ``except UsageError as exc: print(exc)`` (or ``except RuntimeError``)
    """


class AlreadyConnected(UsageError):
    """``Socket.connect()`` was called on a socket that is connected, connecting or reconnecting.

    ``close()`` it first, or check ``socket.is_connected``. Also a ``RuntimeError``.

    Example: ``if not socket.is_connected: socket.connect(session)``
    """


class SignalUsedAsBool(NakamaError, TypeError):
    """A socket signal (``socket.closed``, ``socket.connected``, ...) was tested as a bool.

    A signal is an object you connect handlers to, so it would always be true: use the properties
    ``socket.is_connected`` / ``socket.is_reconnecting`` instead. Also a ``TypeError``.

    Example: ``if socket.is_connected: ...`` (not ``if socket.connected: ...``)
    """


class DecodeError(NakamaError, ValueError):
    """Data from the server does not have the shape Nakama's API promises (a string where a number
    belongs, a time that is not RFC 3339, an object where a list belongs...). The message names the model
    and the field. An HTTP call reports it as an :class:`ApiError` caused by it; the socket reports it on
    ``received_error`` (or fails the request it answers); :meth:`Model.from_wire` raises it.

    Example: ``except DecodeError as exc: print(exc)`` (or ``except ValueError``)
    """


class InvalidArgument(NakamaError, ValueError):
    """A call got an argument it cannot use; nothing was sent. The message names the argument.

    Example: ``except InvalidArgument as exc: print(exc)`` (or ``except ValueError``)
    """


class InvalidArgumentType(InvalidArgument, TypeError):
    """A call got an argument of the wrong type; nothing was sent. The message names the argument.

    Example: ``client.get_account("abc")`` raises it (``except TypeError`` catches it too).
    """
