"""README "The development server": run it in-process."""
from typing import Any

from nakama_sync.devserver import DevServer


def echo(ctx: Any, payload: str) -> str:
    return payload


with DevServer(port=0) as server:                  # port 0 picks a free port: server.port
    server.register_rpc("echo", echo)
    server.create_leaderboard("weekly", sort_order="desc", operator="best", reset_schedule="0 0 * * 1")
    print("serving on port", server.port)
