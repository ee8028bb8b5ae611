"""RPC over the socket on the dev server (the ``rpc`` envelope; Nakama's pipeline_rpc.go).

``{"rpc": {"id", "payload"}}`` calls the function registered under the lowercased id in ``hub.rpcs``
with an :class:`RpcContext` that knows the socket's user and session. The reply is
``{"rpc": {"id": <as sent>, "payload": <result>}}``, ``payload`` left out when empty. Errors: 3 for a
missing id, 6 for an unknown function, 7 (with the exception's text) when the function raises.
Pushes the function causes (notifications, stream data) are queued before the reply, as in Nakama.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._hub import RpcContext
from ._ws import WsFailure, WsSession

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install"]

BAD_INPUT, FUNCTION_NOT_FOUND, FUNCTION_EXCEPTION = 3, 6, 7


def install(hub: Hub) -> None:
    @hub.ws_handler("rpc", {"id": "string", "payload": "string", "http_key": "string"})
    def _rpc(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        rpc_id = msg.get("id", "")
        if not rpc_id:
            raise WsFailure(BAD_INPUT, "RPC ID must be set")
        fn = hub.rpcs.get(rpc_id.lower())
        if fn is None:
            raise WsFailure(FUNCTION_NOT_FOUND, "RPC function not found")
        ctx = RpcContext(hub.server, user_id=session.user_id, username=session.username, vars=session.vars,
                         session_id=session.session_id, expiry=session.expiry, lang=session.lang)
        try:
            result = fn(ctx, msg.get("payload", ""))
        except Exception as exc:  # the function's error goes back to the caller as code 7
            raise WsFailure(FUNCTION_EXCEPTION, str(exc) or type(exc).__name__) from exc
        if result is not None and not isinstance(result, str):
            raise WsFailure(FUNCTION_EXCEPTION, "RPC function must return a string")
        body: dict[str, Any] = {"id": rpc_id}
        if result:
            body["payload"] = result
        return {"rpc": body}
