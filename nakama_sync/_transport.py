"""The HTTP transport under :class:`~nakama_sync.Client`: one ``requests.Session``, retries, error mapping.

Errors::

    a reply with status >= 400         -> ApiError(status_code, grpc_code or None, message, body)
    no whole answer within the timeout -> HttpTimeout
    refused, reset, DNS, TLS failures  -> TransportError
    a reply that is not JSON, or nested too deeply to decode -> ApiError

The client's ``timeout`` is a deadline for each whole attempt (connect, send, the reply's last byte):
requests applies its timeout to each read only, so a server trickling a reply byte by byte would hold a
call for ever; ``_client_deadline`` makes each read wait at most until the attempt's deadline.

Transient failures (connection errors, timeouts, 502/503/504, gRPC code 14 UNAVAILABLE, and 5xx pages
that are not Nakama's JSON) are retried with exponential backoff and full jitter, following the .NET
SDK's ``RetryConfiguration``; a 500 with gRPC code 13 (a failing RPC, a server bug) is not retried.
Authorization headers never reach the logs.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from . import _wire
from ._client_deadline import Attempt, Attempts, DeadlineAdapter
from .exceptions import ApiError, HttpTimeout, InvalidArgument, TransportError

__all__ = ["DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "RetryConfig", "Transport", "api_error_from_response",
           "encode_query"]

log = logging.getLogger("nakama_sync.client")

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_TRANSIENT_STATUS = frozenset({502, 503, 504})
_GRPC_UNAVAILABLE = 14


def full_jitter(delay: float, rng: random.Random) -> float:
    """Full jitter: a uniform random delay in ``[0, delay]`` (AWS "Exponential Backoff And Jitter")."""
    return rng.uniform(0.0, delay)


#: The client's default deadline for one attempt of an HTTP request, in seconds.
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RetryConfig:
    """How the client retries transient failures (refused or reset connections, timeouts, 502/503/504,
    gRPC code 14 UNAVAILABLE, 5xx pages that are not Nakama's JSON).

    ``max_attempts`` counts the first try (1 means no retry). Before retry ``n`` (1-based) the client waits
    ``jitter(min(max_delay, base_delay * 2 ** (n - 1)))`` seconds (full jitter: uniform in ``[0, that]``).
    ``listener(attempt, exc)`` is called before each retry (on the thread running the call: a worker
    thread for ``*_nowait`` calls) with the attempt number that failed and its exception.
    Only idempotent requests (GET, PUT, DELETE) and session refreshes are retried; other POSTs are tried
    once (they might create something twice).

    The defaults (``max_attempts=4, base_delay=0.5, max_delay=8.0``) with the client's default
    ``timeout=10.0`` bound a call at ``max_total_time(10.0)`` = 4 x 10 + 0.5 + 1 + 2 = **43.5 s** (a POST:
    10 s); with auto-refresh a refresh may come first, at most as long again.

    Example: ``Client(timeout=3, retries=RetryConfig(max_attempts=2))`` (a call then takes at most 6.5 s)
    Thread safety: immutable; share it between clients and threads freely.
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: Callable[[float, random.Random], float] = full_jitter
    listener: Callable[[int, Exception], None] | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidArgument("RetryConfig.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise InvalidArgument("RetryConfig delays must not be negative")

    def delay(self, retry: int, rng: random.Random) -> float:
        """The wait before retry number ``retry`` (1-based), jitter applied.

        Example: ``RetryConfig().delay(1, random.Random())`` -> a float in [0, 0.5]. Any thread.
        """
        return max(0.0, self.jitter(min(self.max_delay, self.base_delay * (2 ** (retry - 1))), rng))

    def max_total_time(self, timeout: float) -> float:
        """The worst-case time in seconds of a retried call whose attempts each have ``timeout`` seconds:
        every attempt times out and every back-off waits its longest.

        Example: ``RetryConfig().max_total_time(10.0)`` -> 43.5. Any thread.
        """
        waits = sum(min(self.max_delay, self.base_delay * (2 ** (n - 1))) for n in range(1, self.max_attempts))
        return self.max_attempts * timeout + waits


#: The client's default retry policy: 4 attempts, back-off 0.5 s doubling up to 8 s, full jitter.
DEFAULT_RETRIES = RetryConfig()
NO_RETRY = RetryConfig(max_attempts=1)


def encode_query(query: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A query mapping as (key, value) pairs: None dropped, bools as true/false, codes (IntEnum) as their
    number, lists repeat the key."""
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for key, value in query.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            elif isinstance(item, int):   # an IntEnum code too: str() of one is its name on Python 3.10
                pairs.append((key, str(int(item))))
            else:
                pairs.append((key, str(item)))
    return pairs


def api_error_from_response(status: int, text: str, reason: str = "") -> ApiError:
    """An ApiError from an error reply: Nakama's JSON ``{"code", "message"}`` or anything else."""
    body: Any = text
    grpc_code: int | None = None
    message = ""
    try:
        parsed = _wire.loads(text) if text else None
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        body = parsed
        code = parsed.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            grpc_code = code
        if isinstance(parsed.get("message"), str):
            message = parsed["message"]
    if not message:
        snippet = " ".join(text.split())[:200] if text else ""
        message = f"{reason or 'error'}: {snippet}" if snippet else (reason or f"HTTP {status}")
    return ApiError(status, grpc_code, message, body)


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, ApiError):
        if exc.status_code in _TRANSIENT_STATUS or exc.grpc_code == _GRPC_UNAVAILABLE:
            return True
        return exc.status_code >= 500 and exc.status_code != 501 and exc.grpc_code is None
    return False


class Transport:
    """Sends requests to one Nakama over a keep-alive ``requests.Session`` (internal).

    Thread safety: ``request`` may be called from any thread (requests' connection pool is thread-safe
    for plain requests; the session's cookies and headers are never changed after construction).
    """

    def __init__(self, base_url: str, timeout: float, verify: bool | str, retries: RetryConfig) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.retries = retries
        self._http = requests.Session()
        adapter = DeadlineAdapter()
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._http.verify = verify
        self._http.trust_env = False   # a game talks to its server, not through HTTP_PROXY settings
        self._http.headers.update({"Accept": "application/json"})
        self._rng = random.Random()
        self._rng_lock = threading.Lock()
        self._closing = threading.Event()   # set by close(): ends back-off waits at once
        self._attempts = Attempts()

    def close(self) -> None:
        """Close the pooled connections and abort requests under way. Any thread; again does nothing."""
        self._closing.set()
        self._attempts.abort_all()
        self._http.close()

    @property
    def closed(self) -> bool:
        return self._closing.is_set()

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None, body: Any = None,
                authorization: str | None = None, retry: bool | None = None) -> Any:
        """Send one API request (retrying transient failures) and return the parsed JSON reply.

        Each attempt is bounded by the timeout; the whole call by ``retries.max_total_time(timeout)``.
        """
        if self._closing.is_set():
            raise TransportError("the client is closed")
        method = method.upper()
        should_retry = method in _IDEMPOTENT if retry is None else retry
        config = self.retries if should_retry else NO_RETRY
        headers = {}
        if authorization:
            headers["Authorization"] = authorization
        data = None
        if body is not None:
            data = _wire.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        params = encode_query(query)
        attempt = 1
        while True:
            try:
                return self._send_once(method, path, params, data, headers)
            except (ApiError, TransportError) as exc:
                if attempt >= config.max_attempts or not _is_transient(exc) or self._closing.is_set():
                    raise
                if config.listener is not None:
                    config.listener(attempt, exc)
                with self._rng_lock:
                    wait = config.delay(attempt, self._rng)
                log.debug("%s %s failed (%s); retry %d in %.2f s", method, path, type(exc).__name__,
                          attempt, wait)
                if self._closing.wait(wait):   # back-off, cut short by close()
                    raise TransportError(f"{method} {path}: the client was closed") from exc
                attempt += 1

    def _send_once(self, method: str, path: str, params: list[tuple[str, str]], data: bytes | None,
                   headers: dict[str, str]) -> Any:
        url = self.base_url + path
        started = time.monotonic()
        attempt = self._attempts.start(self.timeout)
        try:
            response = self._http.request(method, url, params=params, data=data, headers=headers,
                                          timeout=self.timeout, allow_redirects=False)
            content = response.content   # read here, still under the deadline
        except requests.RequestException as exc:
            raise self._failure(method, path, exc, attempt) from exc
        finally:
            self._attempts.finish(attempt)
        text = _decode(content, response.encoding) if content else ""
        log.debug("%s %s -> %d in %.1f ms", method, path, response.status_code,
                  (time.monotonic() - started) * 1000.0)
        if response.status_code >= 400:
            raise api_error_from_response(response.status_code, text, response.reason or "")
        if response.status_code >= 300:
            raise ApiError(response.status_code, None, f"unexpected redirect ({response.reason})", text)
        if not text.strip():
            return {}
        try:
            reply = _wire.loads(text)
        except (RecursionError, ValueError) as exc:
            # The standard json module runs out of recursion; orjson refuses past its depth limit
            # ("depth limit exceeded"): either way the same error for the user.
            if isinstance(exc, RecursionError) or "depth limit" in str(exc):
                raise ApiError(response.status_code, None, "the server's reply is nested too deeply to decode",
                               None) from exc
            raise ApiError(response.status_code, None, "the server's reply is not JSON: "
                           + " ".join(text.split())[:200], text) from exc
        if type(reply) is not dict:   # every reply of Nakama's API is an object ({} when empty)
            raise ApiError(response.status_code, None, "the server's reply is not a JSON object: "
                           + " ".join(text.split())[:200], text)
        return reply

    def _failure(self, method: str, path: str, exc: requests.RequestException, attempt: Attempt) -> Exception:
        """The library error for a failed attempt."""
        if attempt.expired or isinstance(exc, requests.Timeout):
            if attempt.aborted:
                return TransportError(f"{method} {path}: the client was closed")
            return HttpTimeout(f"{method} {path}: no whole answer within {self.timeout} s")
        if isinstance(exc, requests.exceptions.SSLError):
            return TransportError(f"{method} {path}: TLS failure: {exc}")
        if isinstance(exc, requests.ConnectionError):
            return TransportError(f"{method} {path}: cannot reach {self.base_url}: {_short(exc)}")
        return TransportError(f"{method} {path}: {_short(exc)}")


def _decode(content: bytes, encoding: str | None) -> str:
    try:
        return content.decode(encoding or "utf-8", "replace")
    except LookupError:   # a charset Python does not know
        return content.decode("utf-8", "replace")


def _short(exc: Exception) -> str:
    """The innermost reason of a requests error, without the long urllib3 wrapping."""
    inner: BaseException = exc
    for _ in range(8):   # bounded: exception chains can loop
        nxt = inner.__cause__
        if nxt is None and inner.args and isinstance(inner.args[0], BaseException):
            nxt = inner.args[0]
        if nxt is None or nxt is inner:
            break
        inner = nxt
    reason = getattr(inner, "reason", None)
    return str(reason if reason is not None else inner)[:300]
