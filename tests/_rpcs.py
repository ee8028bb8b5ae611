"""Server-side RPCs the suite calls, for the dev server (``tests/nakama_module.lua`` is the same for a
real Nakama). Their contract is the one in ../shared/tools/record_flows.py's docstring."""
from __future__ import annotations

from typing import Any

from ._fixtures_server import create_test_boards


def register_test_rpcs(server: Any) -> None:
    def echo(ctx: Any, payload: str) -> str:
        return payload

    def fail(ctx: Any, payload: str) -> str:
        raise RuntimeError("testkit deliberate failure")

    def notify_me(ctx: Any, payload: str) -> str:
        if not ctx.user_id:
            raise RuntimeError("notify_me requires an authenticated user")
        ctx.server.notify(ctx.user_id, "hello", {"n": 1}, code=1, sender_id=None, persistent=True)
        return '{"sent":true}'

    server.register_rpc("echo", echo)
    server.register_rpc("fail", fail)
    server.register_rpc("notify_me", notify_me)
    create_test_boards(server)
