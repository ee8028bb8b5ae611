#!/usr/bin/env python3
"""Send the same hostile HTTP requests to a fresh dev server and to a real Nakama; print where they differ.

Every operation of Nakama's API description (``apigrpc.swagger.json``) gets malformed path ids, odd
query values (out-of-range integers, non-booleans, NUL bytes, long strings) and, for each field of its
body, values of the wrong type. Each request goes to both servers as the same user of the probe's
world (tests/test_hostile_probe.py); the report lists, per operation, the requests whose status or
gRPC code differ, and any request after which the dev server logged an error or a traceback.
Requests that would log the world's users out or delete them are left out.

Example (a real Nakama on 7450, as /work/ext/NAKAMA_READY describes)::

    python tools/differential_probe.py --swagger ../shared/nakama-api/apigrpc.swagger.json \\
        --nakama 127.0.0.1:7450 --only /v2/storage,/v2/group

It prints one ``DIFF`` block per operation that differs and a last line with the counts. Main thread only.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nakama_sync.devserver import DevServer
from tests._rpcs import register_test_rpcs
from tests.conftest import Target
from tests.test_hostile_probe import Reply, World

PATH_VALUES = ["nope", "%00", "x" * 300, "{nil}", "{G}"]
QUERY_VALUES = {"integer": ["99999999999999999999", "-1", "abc", "0"], "string": ["%00", "x" * 3000, "", "{nil}"],
                "boolean": ["maybe", "1"], "array": ["nope", "{nil}", "%00"]}
FIELD_VALUES: list[Any] = [{"a": 1}, [1], 2 ** 70, "\x00", "x" * 5000, True, None, -1, 1.5]


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.seen.append(f"{record.name}: {record.getMessage()}")


def requests_for(swagger: dict[str, Any], only: list[str]) -> list[tuple[str, str, str, Any, str]]:
    """(operation, method, path, body, auth) of every hostile request, in the description's order."""
    out = []
    definitions = swagger["definitions"]
    for path, operations in swagger["paths"].items():
        if not any(part in path for part in only):
            continue
        for method, op in operations.items():
            method = method.upper()
            name = f"{method} {path}"
            if (method == "DELETE" and path == "/v2/account") or "logout" in path:
                continue
            auth = "basic" if "/authenticate/" in path or path.endswith("/session/refresh") else "alice"
            params = op.get("parameters", [])
            in_path = [p["name"] for p in params if p["in"] == "path"]
            base = path
            for p in in_path:
                base = base.replace("{" + p + "}", "{G}")
            for value in PATH_VALUES:
                filled = path
                for p in in_path:
                    filled = filled.replace("{" + p + "}", value)
                out.append((name, method, filled, None, auth))
            for p in params:
                if p["in"] == "query":
                    for value in QUERY_VALUES.get(p.get("type", ""), ["x"]):
                        out.append((name, method, f"{base}?{p['name']}={value}", None, auth))
            for p in params:
                if p["in"] == "body":
                    ref = p.get("schema", {}).get("$ref", "")
                    fields = definitions.get(ref.split("/")[-1], {}).get("properties", {}) if ref else \
                        p.get("schema", {}).get("properties", {})
                    out += [(name, method, base, raw, auth) for raw in (b"[]", b"null", b"{nope")]
                    out += [(name, method, base, {field: value}, auth) for field in fields for value in FIELD_VALUES]
    return out


def _outcome(reply: Reply) -> tuple[int, Any]:
    try:
        body = reply.json()
    except ValueError:
        return reply.status, None
    return reply.status, body.get("code") if isinstance(body, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swagger", required=True, help="path of apigrpc.swagger.json")
    parser.add_argument("--nakama", required=True, help="host:port of the real Nakama")
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--http-key", default="defaulthttpkey")
    parser.add_argument("--only", default="/v2", help="comma-separated path parts to keep (default: all)")
    parser.add_argument("--all", action="store_true", help="print every differing request (default: 5 per operation)")
    args = parser.parse_args(argv)
    with open(args.swagger, encoding="utf-8") as f:
        swagger = json.load(f)
    plan = requests_for(swagger, args.only.split(","))
    errors = _Errors()
    for name in ("nakama_sync.devserver", "aiohttp"):
        logging.getLogger(name).addHandler(errors)
    host, port = args.nakama.rsplit(":", 1)
    server = DevServer(port=0, token_expiry_sec=7200, refresh_token_expiry_sec=86400)
    register_test_rpcs(server)
    diffs: dict[str, list[str]] = {}
    with server:
        dev = World(Target(server.host, server.port, server.config.server_key, server.config.http_key, False, server))
        real = World(Target(host, int(port), args.server_key, args.http_key, False))
        for name, method, path, body, auth in plan:
            before = len(errors.seen)
            mine, theirs = dev.send(method, path, body, auth), real.send(method, path, body, auth)
            if len(errors.seen) > before:
                diffs.setdefault(name, []).append(f"dev server logged {errors.seen[-1][:200]!r} for {path[:70]}")
            if _outcome(mine) != _outcome(theirs):
                diffs.setdefault(name, []).append(
                    f"{path[:70]} {repr(body)[:50]}: dev {_outcome(mine)}, nakama {_outcome(theirs)} "
                    f"{theirs.body[:100]!r}")
    for name, lines in diffs.items():
        print(f"DIFF {name} ({len(lines)})")
        for line in lines if args.all else lines[:5]:
            print("    " + line)
    print(f"{len(plan)} requests, {sum(len(v) for v in diffs.values())} differ in {len(diffs)} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
