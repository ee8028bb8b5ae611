"""The JWT session a Nakama server hands out at authentication.

The token's claims are read without checking the signature (only the server can do that):
``uid`` → ``user_id``, ``usn`` → ``username``, ``vrs`` → ``vars``, ``exp`` → ``expire_time``, ``iat`` →
``create_time``; the refresh token's ``exp`` → ``refresh_expire_time``.
"""
from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidArgumentType, SessionError

__all__ = ["Session"]

# With auto-refresh, a session is refreshed when it expires within min(_MAX_MARGIN, _MARGIN_SHARE of its
# lifetime): Nakama's default token lives 60 s, so a fixed five-minute margin would refresh on every call.
_MAX_MARGIN = 300.0
_MARGIN_SHARE = 0.2


def _claims(token: str, what: str) -> dict[str, Any]:
    """The payload of a JWT, unverified. Raises SessionError when it is not a readable JWT."""
    if not isinstance(token, str) or not token:
        raise SessionError(f"the {what} is empty")
    parts = token.split(".")
    if len(parts) != 3:
        raise SessionError(f"the {what} is not a JWT (expected 3 dot-separated parts, got {len(parts)})")
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise SessionError(f"the {what} is malformed: its payload is not base64 JSON") from exc
    if not isinstance(claims, dict):
        raise SessionError(f"the {what} is malformed: its payload is not a JSON object")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise SessionError(f"the {what} has no numeric 'exp' claim")
    return claims


@dataclass(frozen=True)
class _State:
    token: str
    refresh_token: str
    user_id: str
    username: str
    vars: dict[str, str]
    expire_time: int
    refresh_expire_time: int
    create_time: int
    lifetime: float


class Session:
    """A user's session: the session token, its refresh token, and what the token says.

    Attributes (read-only): ``token``, ``refresh_token``, ``user_id``, ``username``, ``vars`` (dict),
    ``created`` (True when the authentication created the account), ``expire_time`` and
    ``refresh_expire_time`` (unix seconds), ``create_time`` (unix seconds of the first authentication).

    Example: ``session = client.authenticate_device("device-id-123"); print(session.user_id)``

    Thread safety: any thread may read a Session. A refresh replaces all its fields at once (one
    reference swap), so a reader never sees a new token with an old refresh token; reading several
    attributes one after the other may straddle a refresh. The client serialises refreshes of one
    Session with its ``refresh_lock``.
    """

    __slots__ = ("_state", "created", "refresh_lock")

    def __init__(self, token: str, refresh_token: str, created: bool = False) -> None:
        """Read the claims of ``token`` and ``refresh_token``. Raises SessionError if they are malformed,
        InvalidArgumentType (a TypeError) if they are not strings.

        Example: ``Session(reply["token"], reply["refresh_token"], created=True)``. Any thread.
        """
        if not isinstance(token, str):
            raise InvalidArgumentType(f"token must be a str (the JWT), not {type(token).__name__} {token!r:.40}")
        if not isinstance(refresh_token, str):
            raise InvalidArgumentType(f"refresh_token must be a str (the JWT, or '' for none), not "
                                      f"{type(refresh_token).__name__} {refresh_token!r:.40}")
        self.created = bool(created)
        self.refresh_lock = threading.RLock()
        self._state = self._read(token, refresh_token, None)

    @classmethod
    def restore(cls, token: str, refresh_token: str) -> Session:
        """A Session from tokens saved earlier (e.g. on disk). Raises SessionError if they are malformed
        (empty, not a JWT, no expiry), InvalidArgumentType (a TypeError) if they are not strings.

        Example: ``session = Session.restore(saved["token"], saved["refresh_token"])``. Any thread.
        """
        return cls(token, refresh_token, created=False)

    @staticmethod
    def _read(token: str, refresh_token: str, received_at: float | None) -> _State:
        claims = _claims(token, "session token")
        refresh_claims = _claims(refresh_token, "refresh token") if refresh_token else {"exp": 0}
        raw_vars = claims.get("vrs") or {}
        if not isinstance(raw_vars, dict):
            raise SessionError("the session token is malformed: 'vrs' is not an object")
        exp = int(claims["exp"])
        iat = claims.get("iat")
        create_time = int(iat) if isinstance(iat, (int, float)) and not isinstance(iat, bool) else 0
        # A fresh token lives from now; a token read back (restore) from its issue time.
        start = received_at if received_at is not None else float(create_time or exp)
        return _State(
            token=token, refresh_token=refresh_token or "",
            user_id=str(claims.get("uid") or ""), username=str(claims.get("usn") or ""),
            vars={str(k): str(v) for k, v in raw_vars.items()},
            expire_time=exp, refresh_expire_time=int(refresh_claims["exp"]), create_time=create_time,
            lifetime=max(0.0, exp - start))

    def _update(self, token: str, refresh_token: str) -> None:
        """Replace the tokens in place after a refresh (internal; the client calls it)."""
        self._state = self._read(token, refresh_token or self._state.refresh_token, time.time())

    # ---- attributes -----------------------------------------------------------------------
    @property
    def token(self) -> str:
        """The session token (a JWT), sent as ``Authorization: Bearer``. Any thread."""
        return self._state.token

    @property
    def refresh_token(self) -> str:
        """The refresh token (a JWT), used to get a new session token. Any thread."""
        return self._state.refresh_token

    @property
    def user_id(self) -> str:
        """The user's id (claim ``uid``). Any thread."""
        return self._state.user_id

    @property
    def username(self) -> str:
        """The username when the token was issued (claim ``usn``). Any thread."""
        return self._state.username

    @property
    def vars(self) -> dict[str, str]:
        """A copy of the session variables (claim ``vrs``); ``{}`` when there are none. Any thread."""
        return dict(self._state.vars)

    @property
    def expire_time(self) -> int:
        """When the session token expires, in unix seconds. Any thread."""
        return self._state.expire_time

    @property
    def refresh_expire_time(self) -> int:
        """When the refresh token expires, in unix seconds (0 without a refresh token). Any thread."""
        return self._state.refresh_expire_time

    @property
    def create_time(self) -> int:
        """When the user first authenticated in this chain of tokens (claim ``iat``). Any thread."""
        return self._state.create_time

    # ---- expiry ---------------------------------------------------------------------------
    def is_expired(self, at: float | None = None) -> bool:
        """True when the session token is expired at unix time ``at`` (default: now).

        Example: ``if session.is_expired(): session = client.session_refresh(session)``. Any thread.
        """
        return (time.time() if at is None else at) >= self._state.expire_time

    def is_refresh_expired(self, at: float | None = None) -> bool:
        """True when the refresh token is expired at unix time ``at`` (default: now).

        Example: ``if session.is_refresh_expired(): session = client.authenticate_device(dev_id)``.
        Any thread.
        """
        return (time.time() if at is None else at) >= self._state.refresh_expire_time

    def refresh_margin(self) -> float:
        """Seconds before expiry when auto-refresh renews the token: min(300, 20% of its lifetime).

        Example: ``session.refresh_margin()`` -> 12.0 for Nakama's default 60 s token. Any thread.
        """
        return min(_MAX_MARGIN, _MARGIN_SHARE * self._state.lifetime)

    def needs_refresh(self, at: float | None = None) -> bool:
        """True when the token is expired or expires within :meth:`refresh_margin` at ``at`` (default now).

        Example: ``session.needs_refresh()``. Any thread.
        """
        now = time.time() if at is None else at
        return now + self.refresh_margin() >= self._state.expire_time

    def __repr__(self) -> str:  # never show the tokens
        state = self._state
        return (f"Session(user_id={state.user_id!r}, username={state.username!r}, created={self.created}, "
                f"expire_time={state.expire_time})")
