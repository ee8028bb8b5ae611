"""Parties end to end with several real Sockets on loopback (also valid against a real Nakama)."""
from __future__ import annotations

import threading
import time

import pytest

from nakama_sync import (
    ApiError,
    Party,
    PartyClose,
    PartyData,
    PartyJoinRequest,
    PartyList,
    PartyUpdate,
    SocketError,
    UserPresence,
)

from .conftest import Target
from .test_matchmaker import Player, mm_wait, player_factory, tag


@pytest.fixture
def players(client, new_session):
    yield from player_factory(client, new_session)


def _me(p: Player, party: Party) -> UserPresence:
    assert party.self_presence is not None and party.self_presence.user_id == p.session.user_id
    return party.self_presence


def _join_open(p: Player, party_id: str) -> Party:
    p.socket.join_party(party_id)
    return p.wait("received_party", lambda e: isinstance(e, Party) and e.party_id == party_id)


def _joined(p: Player, party_id: str, who: UserPresence) -> None:
    p.wait("received_party_presence", lambda e: e.party_id == party_id and who in e.joins)


def test_create_open_party_join_and_data_to_all_members(players):
    a, b, c = players(3)
    party = a.socket.create_party(open=True, max_size=4, label={"mode": "coop"})
    assert party.open and party.max_size == 4 and party.label == {"mode": "coop"}
    me = _me(a, party)
    assert party.leader == me and party.presences == [me]
    # Nakama pushes the same party again to its creator, then the creator's own join
    again = a.wait("received_party")
    assert isinstance(again, Party) and again.party_id == party.party_id
    _joined(a, party.party_id, me)

    pb = _join_open(b, party.party_id)
    bp = _me(b, pb)
    assert pb.leader == me and [p.user_id for p in pb.presences] == [a.session.user_id, b.session.user_id]
    _joined(a, party.party_id, bp)
    _joined(b, party.party_id, bp)
    pc = _join_open(c, party.party_id)
    cp = _me(c, pc)
    for p in (a, b, c):
        _joined(p, party.party_id, cp)

    a.socket.send_party_data(party.party_id, 7, b"\x00\xffready")
    for p in (b, c):
        data: PartyData = p.wait("received_party_data")
        assert (data.party_id, data.op_code, data.data) == (party.party_id, 7, b"\x00\xffready")
        assert data.presence == me
    c.socket.send_party_data_nowait(party.party_id, 2, "héllo").result()
    for p in (a, b):
        data = p.wait("received_party_data")
        assert (data.op_code, data.data, data.presence) == (2, "héllo".encode(), cp)
    # never to the sender
    assert not [e for name, e in a.drain() if name == "received_party_data"]
    assert not [e for name, e in c.drain() if name == "received_party_data"]


def test_closed_party_join_request_accept_and_refuse(players):
    leader, b, c = players(3)
    party = leader.socket.create_party(open=False, max_size=3)
    assert not party.open
    b.socket.join_party(party.party_id)
    request: PartyJoinRequest = leader.wait("received_party_join_request")
    assert request.party_id == party.party_id and [p.user_id for p in request.presences] == [b.session.user_id]
    bp = request.presences[0]
    listed = leader.socket.list_party_join_requests(party.party_id)
    assert listed.presences == [bp]
    with pytest.raises(SocketError) as err:
        b.socket.list_party_join_requests(party.party_id)
    assert err.value.code == 3 and "party leader only" in err.value.message
    leader.socket.accept_party_member(party.party_id, bp)
    joined = b.wait("received_party", lambda e: isinstance(e, Party) and e.party_id == party.party_id)
    assert joined.self_presence == bp and joined.leader == party.leader
    _joined(leader, party.party_id, bp)

    # c asks and is quietly refused: nothing reaches c, and the request is gone
    c.socket.join_party(party.party_id)
    cp = leader.wait("received_party_join_request").presences[0]
    leader.socket.remove_party_member(party.party_id, cp)
    assert leader.socket.list_party_join_requests(party.party_id).presences == []
    assert not [e for name, e in c.drain() if name == "received_party"]


def test_leader_leaving_hands_over_to_oldest_member(players):
    a, b, c = players(3)
    party = a.socket.create_party(open=True, max_size=3)
    ap = _me(a, party)
    bp = _me(b, _join_open(b, party.party_id))
    cp = _me(c, _join_open(c, party.party_id))
    for p in (b, c):
        _joined(p, party.party_id, cp)
    a.socket.leave_party(party.party_id)
    for p in (b, c):
        leader = p.wait("received_party_leader")
        assert leader.presence == bp
        p.wait("received_party_presence", lambda e: ap in e.leaves)
    # the new leader leads; the old one is out
    b.socket.update_party(party.party_id, open=False, label={"round": 2})
    for p in (b, c):
        update = p.wait("received_party", lambda e: isinstance(e, PartyUpdate))
        assert update.label == {"round": 2} and not update.open
    with pytest.raises(SocketError):
        a.socket.update_party(party.party_id, open=True)


def test_promote_remove_and_close(players):
    a, b, c = players(3)
    party = a.socket.create_party(open=True, max_size=3)
    ap = _me(a, party)
    bp = _me(b, _join_open(b, party.party_id))
    cp = _me(c, _join_open(c, party.party_id))
    a.socket.promote_party_member(party.party_id, bp)
    for p in (a, b, c):
        assert p.wait("received_party_leader").presence == bp
    with pytest.raises(SocketError) as err:
        a.socket.remove_party_member(party.party_id, cp)
    assert "party leader only" in err.value.message
    b.socket.remove_party_member(party.party_id, cp)
    closed: PartyClose = c.wait("received_party_close")
    assert closed.party_id == party.party_id
    a.wait("received_party_presence", lambda e: cp in e.leaves)
    b.socket.close_party(party.party_id)
    for p in (a, b):
        p.wait("received_party_close", lambda e: e.party_id == party.party_id)
    with pytest.raises(SocketError) as err:
        c.socket.join_party(party.party_id)
    assert (err.value.code, err.value.message) == (3, "Error joining party: party not found")
    assert ap != bp


def test_party_of_three_matchmakes_into_one_match(target: Target, players):
    a, b, c, solo = players(4)
    party = a.socket.create_party(open=True, max_size=3)
    for p in (b, c):
        _join_open(p, party.party_id)
    mode = tag("pm")
    with pytest.raises(SocketError):
        b.socket.add_matchmaker_party(party.party_id, f"+properties.mode:{mode}", 4, 4, {"mode": mode})
    ticket = a.socket.add_matchmaker_party(party.party_id, f"+properties.mode:{mode}", 4, 4, {"mode": mode})
    assert ticket.party_id == party.party_id
    for p in (b, c):
        assert p.wait("received_party_matchmaker_ticket").ticket == ticket.ticket
    solo.socket.add_matchmaker(f"+properties.mode:{mode}", 4, 4, {"mode": mode})
    results = {p.username: p.wait("received_matchmaker_matched", timeout=mm_wait(target)) for p in (a, b, c, solo)}
    assert len({r.token for r in results.values()}) == 1
    for p in (a, b, c):
        assert results[p.username].ticket == ticket.ticket
        assert results[p.username].self_presence.party_id == party.party_id
    assert results[solo.username].self_presence.party_id == ""
    assert len(results[solo.username].users) == 4
    matches = [p.socket.join_match(token=results[p.username].token) for p in (a, b, c, solo)]
    assert len({m.match_id for m in matches}) == 1
    assert len(matches[-1].presences) == 3


def test_membership_change_cancels_party_ticket(players):
    a, b = players(2)
    party = a.socket.create_party(open=True, max_size=2)
    mode = tag("pc")
    ticket = a.socket.add_matchmaker_party(party.party_id, f"+properties.mode:{mode}", 3, 3, {"mode": mode})
    a.socket.remove_matchmaker_party(party.party_id, ticket.ticket)
    ticket = a.socket.add_matchmaker_party(party.party_id, f"+properties.mode:{mode}", 3, 3, {"mode": mode})
    _join_open(b, party.party_id)
    with pytest.raises(SocketError):
        a.socket.remove_matchmaker_party(party.party_id, ticket.ticket)


def test_bad_party_input(players):
    (a,) = players(1)
    with pytest.raises(SocketError) as err:
        a.socket.create_party(open=True, max_size=4, label="not json")
    assert err.value.code == 3 and "failed to unmarshal party label" in err.value.message
    with pytest.raises(SocketError) as err:
        a.socket.join_party("not-a-party")
    assert (err.value.code, err.value.message) == (3, "Invalid party ID")
    with pytest.raises(ValueError):
        a.socket.create_party(open=True, max_size=0)
    with pytest.raises(TypeError):
        a.socket.promote_party_member("x.y", "someone")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        a.socket.send_party_data("x.y", 1, 12)  # type: ignore[arg-type]
    assert a.socket.is_connected


def test_list_parties(target: Target, client, players):
    (a,) = players(1)
    name = tag("list")
    party = a.socket.create_party(open=True, max_size=4, label={"name": name})
    a.socket.create_party(open=True, max_size=4, label={"name": name}, hidden=True)
    deadline = time.monotonic() + 10.0
    while True:   # Nakama (and the dev server) index parties once a second (PROTOCOL.md §6)
        page = client.list_parties(a.session, limit=10, open=True, query=f"+label.name:{name}")
        if page.parties or time.monotonic() > deadline:
            break
        threading.Event().wait(0.25)
    assert isinstance(page, PartyList)
    assert [p.party_id for p in page.parties] == [party.party_id]
    assert page.parties[0].label == {"name": name} and page.parties[0].max_size == 4
    with pytest.raises(ApiError) as err:
        client.list_parties(a.session, limit=1000)
    assert err.value.status_code == 400
