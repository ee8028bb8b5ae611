#!/usr/bin/env python3
"""Start the dev server the way /work/shared/tools/record_flows.py expects a server, then wait.

It registers the suite's RPCs (tests/_rpcs.py: echo, fail, notify_me, stream_ping, ...) and uses the
recorded real server's settings: node ``nakama1``, token expiry 7200 s, refresh 86400 s, socket ping
15 s, matchmaker interval 15 s with max_intervals 2. Then, in another shell::

    python3 /work/shared/tools/record_flows.py --host 127.0.0.1:7350 --out /tmp/flows-dev \
        --only match_relayed,chat,status,notifications_streams,socket_connect
    python3 /work/shared/tools/compare_shapes.py /work/shared/transcripts /tmp/flows-dev

The recorded real server had run the flows before (its first ``GET /v2/matchmaker/stats`` lists
``completions`` of earlier matches, its party listing a party left over from the party flow), so record
the whole set twice against one dev server and compare the second recording: a fresh server's first
matchmaker stats have no ``completions`` yet, as a fresh Nakama's would not.

Example: ``python tools/devserver_for_conformance.py --port 7350`` (Ctrl-C stops it). Main thread only.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nakama_sync.devserver import DevServer
from tests._rpcs import register_test_rpcs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--database", default=":memory:")
    args = parser.parse_args(argv)
    server = DevServer(host=args.host, port=args.port, database=args.database, node="nakama1",
                       token_expiry_sec=7200, refresh_token_expiry_sec=86400, ping_period_sec=15.0,
                       pong_wait_sec=25.0, matchmaker_interval_sec=15.0, matchmaker_max_intervals=2)
    register_test_rpcs(server, boards=False)  # the recorded server had no leaderboards or tournaments
    with server:
        print(f"dev server for conformance on {server.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
