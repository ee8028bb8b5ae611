"""``python -m nakama_sync.devserver [--host H] [--port P] [--database FILE] [--server-key K] ...``"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import typing

from . import _MISSING_EXTRA, _require_extra

if typing.TYPE_CHECKING:
    from ._server import DevServer


def _load_config(server: DevServer, path: str) -> None:
    """Declare the leaderboards and tournaments of a ``--config`` JSON file (SystemExit when invalid)."""
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        for board in config.get("leaderboards", []):
            server.create_leaderboard(**board)
        for tournament in config.get("tournaments", []):
            server.create_tournament(**tournament)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise SystemExit(f"invalid --config {path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    try:
        _require_extra()
    except ImportError:
        print(f"error: {_MISSING_EXTRA}", file=sys.stderr)
        return 2
    from ._conditions import InvalidConditions, NetworkConditions
    from ._runtime_loader import ModuleLoadError
    from ._server import DevServer

    parser = argparse.ArgumentParser(prog="python -m nakama_sync.devserver",
                                     description="Run the embedded Nakama-compatible development server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--database", default=":memory:", help="SQLite file (default: in memory)")
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--http-key", default="defaulthttpkey")
    parser.add_argument("--node", default="nakama")
    parser.add_argument("--token-expiry-sec", type=int, default=60)
    parser.add_argument("--refresh-token-expiry-sec", type=int, default=3600)
    parser.add_argument("--matchmaker-interval-sec", type=float, default=15.0)
    parser.add_argument("--ssl-certificate")
    parser.add_argument("--ssl-private-key")
    parser.add_argument("--config", help="JSON file declaring leaderboards and tournaments: "
                        '{"leaderboards": [{"id": "weekly", "sort_order": "desc", "operator": "best"}], '
                        '"tournaments": [{"id": "cup", "duration": 3600, "title": "Cup"}]} '
                        "(keys: the arguments of DevServer.create_leaderboard / create_tournament)")
    parser.add_argument("--modules", action="append", default=[], metavar="DIR",
                        help="load server code: every *.py in DIR (or one file) with an init_module(ctx, logger, "
                        "nk, initializer) registering RPCs, hooks and match handlers (docs/runtime.md); "
                        "may be given more than once; edits take effect on restart")
    net = parser.add_argument_group("network conditions", "make loopback feel like the internet (per socket, each way)")
    net.add_argument("--latency", type=float, default=0.0, metavar="MS", help="one-way delay added each way")
    net.add_argument("--jitter", type=float, default=0.0, metavar="MS", help="random +/- variation of the delay")
    net.add_argument("--loss", type=float, default=0.0, metavar="P", help="0..1: drop unreliable match data")
    net.add_argument("--bandwidth", type=float, default=0.0, metavar="KBPS", help="kbit/s cap (0: none)")
    net.add_argument("--http-latency", type=float, metavar="MS", help="per HTTP request (default: 2x latency)")
    net.add_argument("--seed", type=int, default=0, help="seed of the random delays and drops")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        NetworkConditions(args.latency, args.jitter, args.loss, args.bandwidth)
    except InvalidConditions as exc:
        parser.error(str(exc))
    server = DevServer(args.host, args.port, database=args.database, server_key=args.server_key,
                       http_key=args.http_key, node=args.node, token_expiry_sec=args.token_expiry_sec,
                       refresh_token_expiry_sec=args.refresh_token_expiry_sec,
                       matchmaker_interval_sec=args.matchmaker_interval_sec,
                       ssl_certificate=args.ssl_certificate, ssl_private_key=args.ssl_private_key,
                       latency_ms=args.latency, jitter_ms=args.jitter, loss=args.loss, bandwidth_kbps=args.bandwidth,
                       http_latency_ms=args.http_latency, conditions_seed=args.seed)
    if args.config:
        _load_config(server, args.config)
    server.start()
    for path in args.modules:
        try:
            names = server.load_modules(path)
        except ModuleLoadError as exc:
            server.stop()
            raise SystemExit(f"{exc} (cause: {exc.__cause__!r})") from exc
        print(f"loaded server modules from {path}: {', '.join(names) or '(none)'}", flush=True)
    print(f"nakama-sync dev server listening on {server.url} (database: {args.database})", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *a: done.set())
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
