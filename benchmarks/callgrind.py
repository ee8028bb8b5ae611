"""Instructions per frame and per request, counted by valgrind's callgrind (immune to a noisy machine).

``python -m benchmarks.callgrind [--small 1000 --large 3000]`` runs each variant twice under callgrind (the
blast server runs in its own, uninstrumented process) with ``small`` and ``large`` items, and prints
``(Ir(large) - Ir(small)) / (large - small)``: the instructions one more frame (or request) costs, in
every thread of the client process, start-up and connection excluded.

Variants:
- receive: ``bare recv_data`` (websocket-client tuned, frames only: the floor), ``bare recv_data + decode``
  (the same plus the JSON and base64 decode a game needs), ``Socket poll()`` (frame → queued MatchData →
  handler), ``Socket reader-thread handlers``;
- rpc: ``bare send + recv`` (one thread, websocket-client tuned: the floor), ``Socket.rpc()`` (caller +
  reader thread + future).
Run it from a checkout: ``PYTHONPATH=<other checkout> python -m benchmarks.callgrind`` compares another.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from typing import Any

from ._harness import BlastServer, close_socket, fake_token, open_socket

VARIANTS = {
    "receive": ["bare recv_data", "bare recv_data + decode", "Socket poll()", "Socket reader-thread handlers"],
    "rpc": ["bare send + recv", "Socket.rpc()"],
}
PAYLOAD = '{"hello":"world","n":12345}'


def _bare_ws(port: int) -> Any:
    import websocket
    url = f"ws://127.0.0.1:{port}/ws?lang=en&status=true&token={fake_token()}&format=json"
    return websocket.create_connection(url, timeout=30, skip_utf8_validation=True, enable_multithread=False)


def child(what: str, variant: str, n: int) -> None:
    """One measured run (under callgrind)."""
    if what == "receive":
        with BlastServer(n) as srv:
            if variant.startswith("bare"):
                ws = _bare_ws(srv.port)
                decode = variant.endswith("decode")
                import base64

                from nakama_sync._wire import loads
                srv.go()
                for _ in range(n):
                    data = ws.recv_data()[1]
                    if decode:
                        body = loads(data)["match_data"]
                        base64.b64decode(body["data"])
                        int(body["op_code"])
                ws.close()
            else:
                threaded = "reader-thread" in variant
                sock = open_socket(srv.port, fake_token(), use_main_thread=not threaded)
                got = [0]

                def on_state(sender: Any, event: Any) -> None:
                    got[0] += 1
                sock.received_match_state.connect(on_state)
                srv.go()
                deadline = time.monotonic() + 600
                while got[0] < n and time.monotonic() < deadline:
                    if threaded:
                        time.sleep(0.01)
                    else:
                        sock.poll(0.05)
                close_socket(sock)
            srv.sent()
    else:
        with BlastServer(0) as srv:
            if variant.startswith("bare"):
                ws = _bare_ws(srv.port)
                for i in range(n):
                    cid = str(i)
                    ws.send(json.dumps({"cid": cid, "rpc": {"id": "echo", "payload": PAYLOAD}}))
                    while json.loads(ws.recv()).get("cid") != cid:
                        pass
                ws.close()
            else:
                sock = open_socket(srv.port, fake_token())
                for _ in range(n):
                    sock.rpc("echo", PAYLOAD)
                close_socket(sock)


def _instructions(what: str, variant: str, n: int) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
           "benchmarks.callgrind", "--child", what, variant, str(n)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    found = re.findall(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"callgrind run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return int(found[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=3000)
    ap.add_argument("--rpc-small", type=int, default=200)
    ap.add_argument("--rpc-large", type=int, default=600)
    ap.add_argument("--only", default="receive,rpc")
    ap.add_argument("--child", nargs=3, metavar=("WHAT", "VARIANT", "N"))
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], int(a.child[2]))
        return
    print("| path | variant | instructions per item | vs floor |")
    print("|---|---|---:|---:|")
    for what in a.only.split(","):
        small, large = (a.small, a.large) if what == "receive" else (a.rpc_small, a.rpc_large)
        floor = None
        for variant in VARIANTS[what]:
            per = (_instructions(what, variant, large) - _instructions(what, variant, small)) / (large - small)
            floor = floor or per
            print(f"| {what} | {variant} | {per:,.0f} | {per / floor:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
