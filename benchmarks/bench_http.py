"""HTTP: sequential authenticated calls per second against the dev server, keep-alive on.

``Client.get_account(session)`` (the whole path: auto-refresh check, transport, JSON, model) against a
bare ``requests.Session`` doing ``GET /v2/account`` with the same bearer token and ``.json()``. The two
alternate in blocks in the same run.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from ._harness import Context, NotAvailable, Row

BENCH = "http"
_BLOCKS = 4


def _rate(fn: Callable[[], object], calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - t0)


def run(ctx: Context) -> list[Row]:
    import requests

    import nakama_sync
    server = ctx.devserver()
    calls = ctx.sizes.http_calls
    if not hasattr(nakama_sync.Client, "authenticate_device") or not hasattr(nakama_sync.Client, "get_account"):
        raise NotAvailable("Client.authenticate_device/get_account are not there yet")
    client = nakama_sync.Client(server_key=server.config.server_key, host="127.0.0.1", port=server.port)
    bare = requests.Session()
    try:
        session = client.authenticate_device(f"bench-http-{time.time_ns()}", create=True)
        url = f"{server.url}/v2/account"
        headers = {"Authorization": f"Bearer {session.token}", "Accept": "application/json"}

        def bare_call() -> object:
            reply = bare.get(url, headers=headers, timeout=10)
            reply.raise_for_status()
            return reply.json()

        def client_call() -> object:
            return client.get_account(session)

        bare_call()
        client_call()
        per_block = max(1, calls // _BLOCKS)
        bare_rates, client_rates = [], []
        for _ in range(_BLOCKS):
            bare_rates.append(_rate(bare_call, per_block))
            client_rates.append(_rate(client_call, per_block))
    finally:
        bare.close()
        client.close()
    floor = max(bare_rates)
    value = max(client_rates)
    return [Row(BENCH, "bare requests.Session GET /v2/account (floor)", floor, "calls/s", 1.0),
            Row(BENCH, "Client.get_account(session)", value, "calls/s", value / floor)]
