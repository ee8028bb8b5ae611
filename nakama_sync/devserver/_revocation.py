"""Who may open or keep a realtime socket after a logout or an account deletion (as Nakama 3.40).

- "Log out everywhere" (``POST /v2/session/logout`` with no token) and account deletion invalidate
  every session token of the user issued before that second: a token whose issue time (``exp`` minus
  the token lifetime) is earlier than the invalidation is refused at ``/ws`` with 401. (Nakama 3.40
  compares whole seconds strictly, so a token issued in the very second of the logout still opens a
  socket there, and here.)
- Logging out one single token does not stop that token from opening a socket: Nakama checks socket
  tokens against its session cache by the whole token string, which never matches a revoked token id.
- Deleting an account also closes the user's open sockets (close code 1000, empty reason).
  Sockets open when the user logs out everywhere stay open, as on Nakama.

The invalidation times live in memory, as in Nakama's session cache (a restart forgets them; HTTP keeps
its own record of revoked tokens in SQLite). The upgrade does not look the user up, as Nakama does not:
tests may mint tokens for users that have no account row. Everything here runs on the loop thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install"]


def socket_token_admitted(hub: Hub, claims: dict[str, Any]) -> bool:
    """False when the token was issued before the user's last logout-everywhere or deletion."""
    invalidated = hub.tokens_invalidated_at.get(claims["uid"])
    exp = claims.get("exp")
    return invalidated is None or (isinstance(exp, int) and exp - hub.config.token_expiry_sec >= invalidated)


def install(hub: Hub) -> None:
    def disconnect(user_id: str) -> None:
        for session in hub.user_sessions(user_id):
            session.close("")

    hub.socket_token_admitted = lambda claims: socket_token_admitted(hub, claims)
    hooks = getattr(getattr(hub, "accounts", None), "deleted_hooks", None)
    if hooks is not None:
        hooks.append(disconnect)
