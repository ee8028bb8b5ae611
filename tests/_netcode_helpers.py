"""Shared by the netcode tests: a dev server with network conditions, and players whose received match
data is time-stamped on the socket's reader thread (so a slow test thread does not skew the delays)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

import nakama_sync

from .conftest import EXTERNAL

needs_devserver = pytest.mark.skipif(EXTERNAL, reason="network conditions are a dev server feature")


@contextmanager
def conditioned_server(**options: Any) -> Iterator[Any]:
    """A fresh dev server on port 0 (fresh: fixed usernames, so the seeded draws repeat)."""
    from nakama_sync.devserver import DevServer
    server = DevServer(port=0, **options)
    with server:
        yield server


@dataclass
class Inbox:
    """Match data received by one socket: (arrival time on time.monotonic, decoded JSON payload)."""

    items: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def add(self, sender: Any, event: Any) -> None:
        now = time.monotonic()
        with self.cond:
            self.items.append((now, json.loads(event.data)))
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[list[tuple[float, dict[str, Any]]]], bool], timeout: float,
                 what: str) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: predicate(self.items), timeout):
                raise AssertionError(f"timed out waiting for {what} ({len(self.items)} received)")


@dataclass
class Player:
    client: nakama_sync.Client
    session: nakama_sync.Session
    socket: nakama_sync.Socket
    inbox: Inbox


@contextmanager
def players(server: Any, *names: str) -> Iterator[list[Player]]:
    """Connected players with fixed usernames; the last ones join the first one's match.

    Sockets run handlers on the reader thread (``use_main_thread=False``) to stamp arrivals precisely.
    """
    made: list[Player] = []
    try:
        for name in names:
            client = nakama_sync.Client(host=server.host, port=server.port)
            session = client.authenticate_custom(f"custom-{name}", username=name)
            sock = client.create_socket(use_main_thread=False)
            inbox = Inbox()
            sock.on("received_match_state", inbox.add)
            made.append(Player(client, session, sock, inbox))
            sock.connect(session, connect_timeout=10)
        yield made
    finally:
        for p in made:
            p.socket.close()
            p.client.close()


def join_one_match(everyone: list[Player]) -> str:
    match_id = everyone[0].socket.create_match().match_id
    for p in everyone[1:]:
        p.socket.join_match(match_id)
    return match_id


def send_paced(sender: Player, match_id: str, count: int, rate: float, reliable: Callable[[int], bool],
               extra: Callable[[int], dict[str, Any]] | None = None) -> None:
    """Send ``count`` states at ``rate`` Hz from a frame loop (FixedRateSender, paced by the socket's
    own bounded ``poll``), each with its sequence number and send time."""
    from nakama_sync.netcode import FixedRateSender
    seq = [0]

    def send(tick: int) -> None:
        body = {"seq": seq[0], "t": time.monotonic(), "tick": tick, **(extra(tick) if extra else {})}
        sender.socket.send_match_state(match_id, 1, json.dumps(body), reliable=reliable(seq[0]))
        seq[0] += 1
    pacer = FixedRateSender(rate, send)
    deadline = time.monotonic() + count / rate + 30
    while seq[0] < count:
        assert time.monotonic() < deadline, "the sender loop fell far behind"
        pacer.update()
        sender.socket.poll(0.002)   # the frame loop's wait: a bounded pump, as a game's clock.tick()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))]
