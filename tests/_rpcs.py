"""Server-side RPCs the suite calls, for the dev server (``tests/nakama_module.lua`` is the same for a
real Nakama). Their contract is the one in ../shared/tools/record_flows.py's docstring."""
from __future__ import annotations

import json
from typing import Any

from ._fixtures_server import create_test_boards


def register_test_rpcs(server: Any, boards: bool = True) -> None:
    """Register the suite's RPCs and match handler; ``boards`` also creates the test leaderboards."""
    def echo(ctx: Any, payload: str) -> str:
        return payload

    def fail(ctx: Any, payload: str) -> str:
        raise RuntimeError("testkit deliberate failure")

    def notify_me(ctx: Any, payload: str) -> str:
        if not ctx.user_id:
            raise RuntimeError("notify_me requires an authenticated user")
        ctx.server.notify(ctx.user_id, "hello", {"n": 1}, code=1, sender_id=None, persistent=True)
        return '{"sent":true}'

    def stream_ping(ctx: Any, payload: str) -> str:
        if not ctx.session_id:
            raise RuntimeError("stream_ping must be called over a realtime socket")
        data, hidden = payload or "ping", True
        try:
            obj = json.loads(payload) if payload else None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            data, hidden = str(obj.get("data", "ping")), bool(obj.get("hidden", True))
        ctx.server.stream_join(ctx.session_id, 99, label="testkit", hidden=hidden)
        ctx.server.stream_send(99, label="testkit", data=data)
        return json.dumps({"data": data, "label": "testkit", "mode": 99}, separators=(",", ":"))

    def create_echo_match(ctx: Any, payload: str) -> str:
        params = json.loads(payload) if payload else {}
        return ctx.server.create_match("echo_match", params if isinstance(params, dict) else {})

    def signal_match(ctx: Any, payload: str) -> str:
        req = json.loads(payload)
        return ctx.server.signal_match(req["match_id"], req.get("data", ""))

    server.register_match_handler("echo_match", EchoMatch())
    server.register_rpc("create_echo_match", create_echo_match)
    server.register_rpc("signal_match", signal_match)
    server.register_rpc("echo", echo)
    server.register_rpc("fail", fail)
    server.register_rpc("notify_me", notify_me)
    server.register_rpc("stream_ping", stream_ping)
    if boards:
        create_test_boards(server)


class EchoMatch:
    """The ``echo_match`` handler of record_flows.py: every message goes back to all presences."""

    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, int, str]:
        tick_rate = params.get("tick_rate")
        label = params.get("label")
        return {}, tick_rate if isinstance(tick_rate, int) else 10, label if isinstance(label, str) else "echo"

    def match_loop(self, ctx: Any, dispatcher: Any, tick: int, state: Any, messages: list[dict[str, Any]]) -> Any:
        for m in messages:
            dispatcher.broadcast_message(m["op_code"], m["data"], None, m["sender"], m["reliable"])
        return state

    def match_signal(self, ctx: Any, dispatcher: Any, tick: int, state: Any, data: str) -> tuple[Any, str]:
        return state, data
