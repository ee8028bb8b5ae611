"""Who may open or keep a realtime socket after a logout or an account deletion (as Nakama 3.40).

- "Log out everywhere" (``POST /v2/session/logout`` with no token) and account deletion invalidate
  every session token of the user issued before that second: a token whose issue time (``exp`` minus
  the token lifetime) is earlier than the invalidation is refused at ``/ws`` with 401. (Nakama 3.40
  compares whole seconds strictly, so a token issued in the very second of the logout still opens a
  socket there; here a deleted account's tokens never do, since its user row is gone.)
- Logging out one single token does not stop that token from opening a socket: Nakama checks socket
  tokens against its session cache by the whole token string, which never matches a revoked token id.
- Deleting an account also closes the user's open sockets (close code 1000, empty reason).
  Sockets open when the user logs out everywhere stay open, as on Nakama.

The invalidation times live in memory (as Nakama's session cache); a deleted account is also refused
after a restart because its user row is gone. Everything here runs on the loop thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install"]


def socket_token_admitted(hub: Hub, claims: dict[str, Any]) -> bool:
    """False when the token was invalidated by a logout-everywhere or its account is gone."""
    user_id = claims["uid"]
    invalidated = hub.tokens_invalidated_at.get(user_id)
    exp = claims.get("exp")
    if invalidated is not None and (not isinstance(exp, int) or exp - hub.config.token_expiry_sec < invalidated):
        return False
    accounts = getattr(hub, "accounts", None)
    return accounts is None or accounts.row(user_id) is not None


def install(hub: Hub) -> None:
    def disconnect(user_id: str) -> None:
        for session in hub.user_sessions(user_id):
            session.close("")

    hub.socket_token_admitted = lambda claims: socket_token_admitted(hub, claims)
    hooks = getattr(getattr(hub, "accounts", None), "deleted_hooks", None)
    if hooks is not None:
        hooks.append(disconnect)
