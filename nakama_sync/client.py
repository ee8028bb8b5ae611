"""The HTTP client. The API methods live in the ``_client_*.py`` mixins; this file holds the plumbing."""
from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import blinker

from ._client_account import _AccountApi
from ._client_chat import _ChatApi
from ._client_leaderboard import _LeaderboardApi
from ._client_misc import _MiscApi
from ._client_party import _PartyApi
from ._client_social import _SocialApi
from ._client_storage import _StorageApi
from ._transport import RetryConfig, Transport
from .exceptions import SessionError
from .session import Session

if TYPE_CHECKING:
    from .socket import Socket

__all__ = ["Client", "RetryConfig"]

log = logging.getLogger("nakama_sync.client")


class Client(_AccountApi, _SocialApi, _StorageApi, _LeaderboardApi, _ChatApi, _MiscApi, _PartyApi):
    """Nakama's HTTP API over one keep-alive connection pool.

    ``verify`` is True (check TLS certificates), False, or the path of a CA bundle. ``retries`` says how
    transient failures are retried (idempotent calls only, unless a call asks). With
    ``auto_refresh_session`` a session about to expire (see :meth:`Session.refresh_margin`) is refreshed
    in place before it is used; the client then sends the blinker signal ``session_refreshed``
    (``sender=client, session=session``) and calls ``on_session_refreshed(session)`` if given, both on
    the thread that made the call.

    Example::

        with nakama_sync.Client("defaultkey", "127.0.0.1", 7350) as client:
            session = client.authenticate_device("device-id-123")

    Thread safety: every method may be called from any thread, also at the same time (one
    ``requests.Session`` is shared); refreshes of one Session are serialised.
    """

    def __init__(self, server_key: str = "defaultkey", host: str = "127.0.0.1", port: int = 7350,
                 ssl: bool = False, timeout: float = 10.0, auto_refresh_session: bool = True, *,
                 verify: bool | str = True, retries: RetryConfig | None = None,
                 on_session_refreshed: Callable[[Session], None] | None = None) -> None:
        """Make a client; nothing is sent until a method is called. Any thread.

        Example: ``client = Client(server_key="defaultkey", host="127.0.0.1", port=7350)``
        """
        if timeout is None or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.server_key = server_key
        self.host = host
        self.port = int(port)
        self.ssl = bool(ssl)
        self.timeout = float(timeout)
        self.verify = verify
        self.auto_refresh_session = auto_refresh_session
        self.retries = retries if retries is not None else RetryConfig()
        self.on_session_refreshed = on_session_refreshed
        #: blinker Signal sent after an automatic refresh: ``handler(client, session=session)``.
        self.session_refreshed = blinker.Signal("session_refreshed")
        scheme = "https" if self.ssl else "http"
        host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self._transport = Transport(f"{scheme}://{host_part}:{self.port}", self.timeout, verify, self.retries)

    # ---- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool; later calls raise TransportError. Calling it twice is fine.

        Example: ``client.close()``. Any thread.
        """
        self._transport.close()

    def __enter__(self) -> Client:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the server key
        scheme = "https" if self.ssl else "http"
        return f"Client({scheme}://{self.host}:{self.port})"

    def create_socket(self, use_main_thread: bool = True, **options: Any) -> Socket:
        """A realtime Socket for this client's server (not connected yet).

        Example: ``socket = client.create_socket(); socket.connect(session)``. Any thread.
        """
        from .socket import Socket
        return Socket(self, use_main_thread=use_main_thread, **options)

    # ---- the contract of the mixins (see _client_base) ------------------------------------
    def _call(self, method: str, path: str, session: Session | None = None, *,
              query: Mapping[str, Any] | None = None, body: Any = None, basic_auth: bool = False,
              retry: bool | None = None) -> Any:
        """Send one API request and return its parsed JSON reply (see _client_base for the contract)."""
        authorization: str | None = None
        if basic_auth:
            authorization = self._basic(self.server_key)
        elif session is not None:
            if self.auto_refresh_session:
                self._ensure_fresh(session)
            authorization = "Bearer " + session.token
        return self._transport.request(method, path, query=query, body=body, authorization=authorization,
                                       retry=retry)

    @staticmethod
    def _basic(key: str) -> str:
        return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")

    def _ensure_fresh(self, session: Session) -> None:
        """Refresh ``session`` in place when it is about to expire (auto_refresh_session)."""
        if not session.needs_refresh():
            return
        with session.refresh_lock:
            if not session.needs_refresh():   # another thread refreshed it meanwhile
                return
            if session.is_refresh_expired():
                if not session.is_expired():
                    return   # still usable for a moment; it cannot be renewed
                raise SessionError("the session has expired and its refresh token has expired too: "
                                   "authenticate again")
            self._refresh_in_place(session, None)
        self.session_refreshed.send(self, session=session)
        if self.on_session_refreshed is not None:
            self.on_session_refreshed(session)

    def _refresh_in_place(self, session: Session, vars: Mapping[str, str] | None) -> None:
        """POST /v2/account/session/refresh and put the new tokens into ``session``."""
        if not session.refresh_token:
            raise SessionError("the session has no refresh token: authenticate again")
        if session.is_refresh_expired():
            raise SessionError("the refresh token has expired: authenticate again")
        body: dict[str, Any] = {"token": session.refresh_token}
        if vars is not None:
            body["vars"] = dict(vars)
        reply = self._call("POST", "/v2/account/session/refresh", basic_auth=True, body=body, retry=True)
        session._update(reply.get("token", ""), reply.get("refresh_token", ""))
        log.debug("session of user %s refreshed", session.user_id)
