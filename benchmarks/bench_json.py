"""Optional orjson: the same results as the standard json module, and what it saves per frame.

1. Frame parity: a set of server frames (match_data, chat with JSON-in-a-string and non-ASCII text,
   notifications, int64 strings) decode to equal objects with ``json`` and ``orjson``; envelopes the
   client sends encode to equal JSON.
2. End to end: two child processes, one with orjson blocked (``sys.modules["orjson"] = None`` before
   ``import nakama_sync``), each receive the same frames through a Socket; the events (their ``repr``)
   must hash the same. Their receive rates are reported.
3. Decode cost per frame: ``json.loads`` vs ``orjson.loads``, then the socket codec's strict ``match_data`` reader.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import timeit
from typing import Any

from ._harness import (
    HERE,
    BlastServer,
    Context,
    Row,
    close_socket,
    fake_token,
    open_socket,
    socket_available,
)
from ._wsserver import match_data_text

BENCH = "json / orjson"

FRAMES = [
    match_data_text(64).decode(),
    ('{"channel_message":{"channel_id":"2...general","message_id":"5b1a","code":0,"sender_id":"u1",'
     '"username":"ana","content":"{\\"text\\":\\"h\\u00e9llo \\ud83d\\udc4b \\\\\\"quoted\\\\\\"\\"}",'
     '"create_time":"2024-05-01T10:00:00Z","update_time":"2024-05-01T10:00:00.123456Z","persistent":true,'
     '"room_name":"general"}}'),
    ('{"notifications":{"notifications":[{"id":"n1","subject":"hello","content":"{\\"n\\": 1}","code":1,'
     '"create_time":"2024-05-01T10:00:00Z","persistent":true}]}}'),
    '{"cid":"7","rpc":{"id":"echo","payload":"{\\"big\\":9007199254740993,\\"f\\":0.1,\\"neg\\":-0.0}"}}',
    '{"status_presence_event":{"joins":[{"user_id":"u","session_id":"s","username":"\\u00fcml","status":""}]}}',
    '{"match_data":{"match_id":"m.","op_code":"9223372036854775807","data":""}}',
]
SENT = [{"cid": "1", "rpc": {"id": "echo", "payload": "h\u00e9llo \U0001f44b"}},
        {"match_data_send": {"match_id": "m.", "op_code": "1", "data": "AAEC", "reliable": True}}]


def _child(frames: int) -> dict[str, Any]:
    """In a fresh process: receive ``frames`` frames through a Socket; digest and rate."""
    import time

    from nakama_sync import _wire
    events: list[str] = []
    with BlastServer(frames) as srv:
        sock = open_socket(srv.port, fake_token())
        sock.received_match_state.connect(lambda sender, event=None, **kw: events.append(repr(event)),
                                          weak=False)
        try:
            t0 = time.perf_counter()
            srv.go()
            deadline = time.monotonic() + 60
            while len(events) < frames and time.monotonic() < deadline:
                sock.poll(timeout=0.05)
            rate = len(events) / (time.perf_counter() - t0)
            srv.sent()
        finally:
            close_socket(sock)
    digest = hashlib.sha256("\n".join(events).encode()).hexdigest()
    return {"orjson": _wire.HAVE_ORJSON, "events": len(events), "digest": digest, "rate": rate}


def _run_child(no_orjson: bool, frames: int) -> dict[str, Any]:
    args = [sys.executable, "-m", "benchmarks.bench_json", "--child", "--frames", str(frames)]
    if no_orjson:
        args.append("--no-orjson")
    out = subprocess.run(args, cwd=HERE + "/..", capture_output=True, text=True, timeout=180, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"child failed: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    """Rows for the standard json module always; the orjson comparisons when orjson is installed."""
    try:
        import orjson
    except ImportError:
        orjson = None
    rows: list[Row] = []
    from nakama_sync import _wire
    sent_same = sum(json.loads(_wire.dumps(e)) == e and _wire._dumps_std(e) == json.dumps(
        e, separators=(",", ":"), ensure_ascii=False) for e in SENT)
    rows.append(Row(BENCH, "sent envelopes encoding equal", sent_same, f"of {len(SENT)}", ok=sent_same == len(SENT)))
    frame = FRAMES[0]
    n = ctx.sizes.decode_frames
    t_json = min(timeit.repeat(lambda: json.loads(frame), number=n, repeat=3)) / n * 1e9
    rows.append(Row(BENCH, "json.loads(match_data frame)", t_json, "ns/frame", 1.0))
    if orjson is None:
        rows.append(Row(BENCH, "orjson comparisons", None, "", note="n/a: orjson is not installed "
                        "(pip install nakama-sync[speedups])"))
    else:
        same = sum(json.loads(f) == orjson.loads(f) for f in FRAMES)
        rows.append(Row(BENCH, "frames decoding equal (json vs orjson)", same, f"of {len(FRAMES)}",
                        ok=same == len(FRAMES)))
        t_or = min(timeit.repeat(lambda: orjson.loads(frame), number=n, repeat=3)) / n * 1e9
        rows.append(Row(BENCH, "orjson.loads(match_data frame)", t_or, "ns/frame", t_json / t_or))
    try:
        from nakama_sync._socket_codec import match_data
        body = json.loads(frame)["match_data"]
        t_model = min(timeit.repeat(lambda: match_data(body), number=n, repeat=3)) / n * 1e9
        rows.append(Row(BENCH, "_socket_codec.match_data(decoded body)", t_model, "ns/frame"))
    except (ImportError, AttributeError) as exc:
        rows.append(Row(BENCH, "_socket_codec.match_data", None, "ns/frame", note=f"n/a: {exc}"))
    why = socket_available()
    if why:
        rows.append(Row(BENCH, "Socket events with and without orjson", None, "", note=f"n/a: {why}"))
        return rows
    frames = max(200, ctx.sizes.frames // 5)
    without = _run_child(True, frames)
    ok = without["events"] == frames
    rows.append(Row(BENCH, "Socket receive, stdlib json (poll(timeout))", without["rate"], "msg/s", 1.0,
                    ok=ok, note="" if ok else f"{without['events']} of {frames} events"))
    if orjson is None:
        return rows
    with_or = _run_child(False, frames)
    equal = with_or["digest"] == without["digest"] and with_or["events"] == without["events"] == frames
    rows.append(Row(BENCH, "Socket events identical with and without orjson", frames if equal else 0,
                    "events", ok=equal, note=f"orjson child used orjson: {with_or['orjson']}, "
                    f"other: {without['orjson']}"))
    rows.append(Row(BENCH, "Socket receive, orjson (poll(timeout))", with_or["rate"], "msg/s",
                    with_or["rate"] / without["rate"]))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--no-orjson", action="store_true")
    args = parser.parse_args()
    if args.no_orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # makes "import orjson" fail
    print(json.dumps(_child(args.frames)))
