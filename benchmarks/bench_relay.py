"""Two players in one process relaying match state through the dev server (a relayed match).

Player A sends state, B's handler echoes it back, A's handler sends the next one: one message in
flight, so the rate is round trips per second through server and both clients. The Socket variant has
two sockets (two reader threads) pumped by one game thread calling ``poll()`` on both; the floor is two
bare websocket-client connections driven by blocking ``recv()`` on the same single thread.
"""
from __future__ import annotations

import base64
import json
import time
from typing import Any

from ._harness import (
    Context,
    NotAvailable,
    Row,
    close_socket,
    dev_session,
    dev_ws_url,
    open_socket,
    percentile,
    require_socket,
)

BENCH = "relay (2 players, 1 process)"
DATA = bytes(range(64))


def _bare(server: Any, rounds: int) -> tuple[float, float]:
    import websocket
    conns = [websocket.create_connection(dev_ws_url(server, dev_session(server)[0]), timeout=30,
                                         skip_utf8_validation=True) for _ in range(2)]
    a, b = conns

    def request(ws: Any, key: str, body: dict[str, Any]) -> dict[str, Any]:
        ws.send(json.dumps({"cid": "1", key: body}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("cid") == "1":
                if "error" in reply:
                    raise RuntimeError(f"{key}: {reply['error']}")
                return reply

    def recv_state(ws: Any) -> dict[str, Any]:
        while True:
            msg = json.loads(ws.recv())
            if "match_data" in msg:
                return msg["match_data"]

    try:
        match_id = request(a, "match_create", {})["match"]["match_id"]
        request(b, "match_join", {"match_id": match_id})
        data = base64.b64encode(DATA).decode()
        times: list[float] = []
        t_start = time.perf_counter()
        for i in range(rounds):
            t0 = time.perf_counter_ns()
            a.send(json.dumps({"match_data_send": {"match_id": match_id, "op_code": "1", "data": data}}))
            got = recv_state(b)
            b.send(json.dumps({"match_data_send": {"match_id": match_id, "op_code": "2", "data": got["data"]}}))
            recv_state(a)
            times.append((time.perf_counter_ns() - t0) / 1000)
        rate = rounds / (time.perf_counter() - t_start)
    finally:
        for ws in conns:
            ws.close(timeout=2)
    return rate, percentile(times, 50)


def _socket(server: Any, rounds: int) -> tuple[float, float]:
    require_socket()
    sa = open_socket(server.port, *dev_session(server))
    sb = open_socket(server.port, *dev_session(server))
    times: list[float] = []
    sent_at = [0]
    done = [0]

    try:
        match = sa.create_match()
        match_id = match.match_id
        sb.join_match(match_id)

        def on_b(sender: Any, event: Any = None, **kwargs: Any) -> None:
            sb.send_match_state(match_id, 2, event.data)

        def on_a(sender: Any, event: Any = None, **kwargs: Any) -> None:
            times.append((time.perf_counter_ns() - sent_at[0]) / 1000)
            done[0] += 1
            if done[0] < rounds:
                sent_at[0] = time.perf_counter_ns()
                sa.send_match_state(match_id, 1, DATA)

        sb.received_match_state.connect(on_b, weak=False)
        sa.received_match_state.connect(on_a, weak=False)
        t_start = time.perf_counter()
        deadline = time.monotonic() + 120
        sent_at[0] = time.perf_counter_ns()
        sa.send_match_state(match_id, 1, DATA)
        poll_a, poll_b = sa.poll, sb.poll
        while done[0] < rounds:  # the game loop: one thread pumps both sockets
            poll_a()
            poll_b()
            if time.monotonic() > deadline:
                raise RuntimeError(f"relay stalled after {done[0]} of {rounds} rounds")
        rate = rounds / (time.perf_counter() - t_start)
    finally:
        close_socket(sa)
        close_socket(sb)
    return rate, percentile(times, 50)


def run(ctx: Context) -> list[Row]:
    server = ctx.devserver()
    if not server.call(lambda: "match_create" in server.hub.ws_handlers):
        raise NotAvailable("the dev server has no relayed matches")
    rounds = ctx.sizes.relay_rounds
    floor_rate, floor_p50 = _bare(server, rounds)
    rows = [Row(BENCH, "bare ws-client x2, one thread (floor)", floor_rate, "rounds/s", 1.0),
            Row(BENCH, "bare ws-client x2: round trip p50", floor_p50, "us", 1.0)]
    try:
        rate, p50 = _socket(server, rounds)
        rows += [Row(BENCH, "Socket x2, 2 readers, poll() busy loop", rate, "rounds/s", rate / floor_rate),
                 Row(BENCH, "Socket x2: round trip p50", p50, "us", floor_p50 / p50)]
    except NotAvailable as exc:
        rows.append(Row(BENCH, "Socket x2", None, "rounds/s", note=f"n/a: {exc}"))
    return rows
