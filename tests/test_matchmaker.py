"""Matchmaking end to end with several real Sockets on loopback (also valid against a real Nakama).

Against a real Nakama the matchmaker ticks every 15 s and a ticket with min_count < max_count waits two
ticks, so the waits below grow when ``target.external``.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import nakama_sync
from nakama_sync import MatchmakerMatched, SocketError

from .conftest import Target, unique


def tag(prefix: str) -> str:
    """A fresh query-safe value (letters and digits only: no hyphen for the query parser)."""
    return prefix + uuid.uuid4().hex[:12]

_SIGNALS = ("received_matchmaker_matched", "received_party", "received_party_close", "received_party_data",
            "received_party_join_request", "received_party_leader", "received_party_matchmaker_ticket",
            "received_party_presence", "received_match_presence", "received_error")


def mm_wait(target: Target) -> float:
    """How long to wait for a matchmaker result: a few dev-server ticks, or two 15 s Nakama ticks."""
    return 40.0 if target.external else 8.0


class Player:
    """One user with one Socket (``use_main_thread=True``); events are collected by signal handlers
    that run inside :meth:`wait`'s ``poll()`` calls, on the test's thread."""

    def __init__(self, client: nakama_sync.Client, session: nakama_sync.Session) -> None:
        self.session = session
        self.socket = client.create_socket()
        self.events: list[tuple[str, Any]] = []
        for name in _SIGNALS:
            getattr(self.socket, name).connect(self._recorder(name), weak=False)
        self.socket.connect(session, appear_online=False)

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(sender: Any, event: Any = None, **_: Any) -> None:
            self.events.append((name, event))
        return record

    @property
    def username(self) -> str:
        return self.session.username

    def wait(self, signal: str, pred: Callable[[Any], bool] = lambda e: True, timeout: float = 5.0) -> Any:
        """The first collected event on ``signal`` matching ``pred`` (removed from the list)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (name, event) in enumerate(self.events):
                if name == signal and pred(event):
                    del self.events[i]
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.username}: no {signal} within {timeout} s; got {self.events}")
            self.socket.poll(timeout=min(left, 0.5))

    def drain(self) -> list[tuple[str, Any]]:
        """Every event the server sent before the reply to a ping sent now (replies follow earlier pushes)."""
        self.socket.ping()
        self.socket.poll()
        out, self.events = self.events, []
        return out

    def close(self) -> None:
        self.socket.close()


def player_factory(client: nakama_sync.Client, new_session: Callable[..., nakama_sync.Session]
                   ) -> Iterator[Callable[[int], list[Player]]]:
    """Body of the ``players`` fixtures: ``players(n)`` connects n new users; all close at the end."""
    made: list[Player] = []

    def make(n: int) -> list[Player]:
        new = [Player(client, new_session(unique("mm"))) for _ in range(n)]
        made.extend(new)
        return new

    yield make
    for p in made:
        p.close()


@pytest.fixture
def players(client: nakama_sync.Client, new_session: Callable[..., nakama_sync.Session]):
    yield from player_factory(client, new_session)


def test_two_players_match_and_join_by_token(target: Target, players):
    a, b, other = players(3)
    mode = tag("duel")
    props = {"mode": mode}
    ta = a.socket.add_matchmaker(f"+properties.mode:{mode}", 2, 2, props, {"skill": 10})
    # a ticket of another mode must not be picked
    tother = other.socket.add_matchmaker(f"+properties.mode:{mode}x", 2, 2, {"mode": f"{mode}x"})
    tb = b.socket.add_matchmaker(f"+properties.mode:{mode}", 2, 2, props, {"skill": 10.5})
    ma: MatchmakerMatched = a.wait("received_matchmaker_matched", timeout=mm_wait(target))
    mb: MatchmakerMatched = b.wait("received_matchmaker_matched", timeout=mm_wait(target))
    assert ma.ticket == ta.ticket and mb.ticket == tb.ticket
    assert ma.token and ma.token == mb.token and not ma.match_id
    assert {u.presence.username for u in ma.users} == {a.username, b.username}
    assert ma.self_presence.presence.user_id == a.session.user_id
    assert mb.self_presence.numeric_properties == {"skill": 10.5}
    assert mb.self_presence.string_properties == props
    # a matched ticket is gone
    with pytest.raises(SocketError) as err:
        a.socket.remove_matchmaker(ta.ticket)
    assert err.value.code == SocketError.BAD_INPUT
    # both join the match the result names
    first = a.socket.join_match(token=ma.token)
    second = b.socket.join_match(token=mb.token)
    assert first.match_id == second.match_id and first.match_id.endswith(".")
    assert [p.user_id for p in second.presences] == [a.session.user_id]
    # the other ticket was not matched: no event, and it can still be removed
    assert not [e for name, e in other.drain() if name == "received_matchmaker_matched"]
    other.socket.remove_matchmaker(tother.ticket)


def test_four_players_with_required_range_and_negated_terms(target: Target, players):
    group = players(4)
    low_rank, casual = players(2)
    region = tag("eu")
    query = f"+properties.region:{region} +properties.rank:>=10 -properties.mode:casual"
    tickets = {}
    for i, p in enumerate(group):
        tickets[p.username] = p.socket.add_matchmaker(query, 4, 4, {"region": region}, {"rank": 10 + i}).ticket
    # excluded by everyone's query; their own queries find no one
    t_low = low_rank.socket.add_matchmaker(f"+properties.region:{region} +properties.rank:<10", 4, 4,
                                           {"region": region}, {"rank": 5})
    t_casual = casual.socket.add_matchmaker(f"+properties.region:{region} +properties.mode:casual", 4, 4,
                                            {"region": region, "mode": "casual"}, {"rank": 20})
    results = [p.wait("received_matchmaker_matched", timeout=mm_wait(target)) for p in group]
    assert len({r.token for r in results}) == 1
    for p, r in zip(group, results):
        assert r.ticket == tickets[p.username]
        assert sorted(u.presence.username for u in r.users) == sorted(q.username for q in group)
    for p, t in ((low_rank, t_low), (casual, t_casual)):
        assert not [e for name, e in p.drain() if name == "received_matchmaker_matched"]
        p.socket.remove_matchmaker(t.ticket)


def test_removed_ticket_and_closed_socket_never_match(target: Target, players):
    a, gone, b, c = players(4)
    mode = tag("rm")
    args = (f"+properties.mode:{mode}", 2, 2, {"mode": mode})
    removed = a.socket.add_matchmaker(*args)
    a.socket.remove_matchmaker(removed.ticket)
    with pytest.raises(SocketError) as err:
        a.socket.remove_matchmaker(removed.ticket)
    assert (err.value.code, err.value.message) == (3, "Matchmaker ticket not found")
    gone.socket.add_matchmaker(*args)
    gone.close()
    b.socket.add_matchmaker(*args)
    c.socket.add_matchmaker(*args)
    mb = b.wait("received_matchmaker_matched", timeout=mm_wait(target))
    assert {u.presence.username for u in mb.users} == {b.username, c.username}
    c.wait("received_matchmaker_matched", timeout=5)
    assert not [e for name, e in a.drain() if name == "received_matchmaker_matched"]


def test_bad_matchmaker_requests(players):
    (a,) = players(1)
    with pytest.raises(SocketError) as err:
        a.socket.add_matchmaker("*", 1, 2)
    assert (err.value.code, err.value.message) == (3, "Invalid minimum count, must be >= 2")
    with pytest.raises(SocketError) as err:
        a.socket.add_matchmaker("*", 4, 2)
    assert err.value.code == 3
    with pytest.raises(SocketError) as err:
        a.socket.add_matchmaker("*", 2, 3, count_multiple=2)
    assert err.value.message == "Invalid count multiple for maximum count, must divide"
    # refused before sending (the server would close the socket on these)
    with pytest.raises(TypeError):
        a.socket.add_matchmaker("*", 2, 2, {"rank": 10})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        a.socket.add_matchmaker("*", 2, 2, numeric_properties={"rank": "10"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        a.socket.remove_matchmaker("")
    # at most 3 tickets per socket
    mode = tag("cap")
    tickets = [a.socket.add_matchmaker(f"+properties.mode:{mode}", 2, 2, {"mode": mode}) for _ in range(3)]
    with pytest.raises(SocketError) as err:
        a.socket.add_matchmaker(f"+properties.mode:{mode}", 2, 2, {"mode": mode})
    assert err.value.code == SocketError.RUNTIME_EXCEPTION
    assert a.socket.is_connected
    for t in tickets:
        a.socket.remove_matchmaker(t.ticket)


def test_add_matchmaker_nowait_and_stats(target: Target, client, players):
    a, b = players(2)
    mode = tag("nw")
    fa = a.socket.add_matchmaker_nowait(f"+properties.mode:{mode}", 2, 2, {"mode": mode})
    fb = b.socket.add_matchmaker_nowait(f"+properties.mode:{mode}", 2, 2, {"mode": mode})
    ta, tb = fa.result(), fb.result()
    assert ta.ticket != tb.ticket
    a.wait("received_matchmaker_matched", timeout=mm_wait(target))
    stats = client.get_matchmaker_stats(a.session)
    assert isinstance(stats, nakama_sync.MatchmakerStats)
    assert stats.completions and stats.completions[-1].complete_time >= stats.completions[-1].create_time
