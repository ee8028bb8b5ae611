"""Matchmaker and parties, spoken to with plain websocket-client (no Socket class), on either server.

These check the wire: reply/push order and shapes as in transcripts/party.json and matchmaker.json.
"""
from __future__ import annotations

import base64
import itertools
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import websocket

from .conftest import Target, unique

WAIT = 5.0


def _claims(token: str) -> dict[str, Any]:
    """A JWT's claims, read without checking the signature (the test only looks at them)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class RawWs:
    """One socket: a reader thread puts every parsed frame on a queue; tests wait on it."""

    _cids = itertools.count(1)

    def __init__(self, target: Target, username: str) -> None:
        self.base = f"http://{target.host}:{target.port}"
        reply = requests.post(f"{self.base}/v2/account/authenticate/device",
                              params={"create": "true", "username": username}, json={"id": unique("device")},
                              auth=(target.server_key, ""), timeout=WAIT)
        reply.raise_for_status()
        self.token: str = reply.json()["token"]
        self.user_id: str = _claims(self.token)["uid"]
        self.username = username
        self.ws = websocket.create_connection(f"ws://{target.host}:{target.port}/ws?token={self.token}",
                                              timeout=WAIT)
        self.frames: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._read, daemon=True, name=f"raw-{username}")
        self.thread.start()
        self.session_id = ""

    def _read(self) -> None:
        try:
            while True:
                text = self.ws.recv()
                if not text:
                    break
                self.frames.put(json.loads(text))
        except (websocket.WebSocketException, OSError):
            pass  # closed: the None below tells the waiters
        self.frames.put(None)

    def send(self, key: str, body: dict[str, Any], cid: bool = True) -> str | None:
        envelope: dict[str, Any] = {key: body}
        cid_text = str(next(self._cids)) if cid else None
        if cid_text:
            envelope["cid"] = cid_text
        self.ws.send(json.dumps(envelope))
        return cid_text

    def next(self, pred: Callable[[dict[str, Any]], bool], timeout: float = WAIT) -> dict[str, Any]:
        """The first unconsumed frame matching ``pred`` (earlier non-matching frames stay in ``seen``)."""
        for i, frame in enumerate(self.seen):
            if pred(frame):
                return self.seen.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.username}: no matching frame; unconsumed: {self.seen}")
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                continue
            if frame is None:
                raise AssertionError(f"{self.username}: socket closed; unconsumed: {self.seen}")
            if pred(frame):
                return frame
            self.seen.append(frame)

    def key(self, key: str, timeout: float = WAIT) -> dict[str, Any]:
        return self.next(lambda f: key in f, timeout)[key]

    def reply(self, cid: str | None, timeout: float = WAIT) -> dict[str, Any]:
        return self.next(lambda f: f.get("cid") == cid, timeout)

    def request(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.reply(self.send(key, body))

    def order(self, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        """The next ``count`` frames in arrival order (after any unconsumed ones)."""
        out = []
        while self.seen and len(out) < count:
            out.append(self.seen.pop(0))
        while len(out) < count:
            frame = self.frames.get(timeout=timeout)
            assert frame is not None, "socket closed"
            out.append(frame)
        return out

    def close(self) -> None:
        self.ws.close()
        self.thread.join(WAIT)

    @property
    def presence(self) -> dict[str, str]:
        return {"user_id": self.user_id, "session_id": self.session_id, "username": self.username}


@pytest.fixture
def sockets(target: Target):
    made: list[RawWs] = []

    def make(n: int) -> list[RawWs]:
        new = [RawWs(target, f"raw{len(made) + i}-{uuid.uuid4().hex[:6]}") for i in range(n)]
        made.extend(new)
        return new

    yield make
    for s in made:
        s.close()


def _create_frames(s: RawWs, **body: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """party_create: (reply, party push, own join event). Nakama sends the two pushes from the party's
    own handler, so they may come before or after the reply (the dev server sends the reply first)."""
    cid = s.send("party_create", body)
    frames = s.order(3)
    replies = [f for f in frames if f.get("cid") == cid]
    pushes = [f for f in frames if "cid" not in f and "party" in f]
    events = [f for f in frames if "party_presence_event" in f]
    assert len(replies) == len(pushes) == len(events) == 1, frames
    s.session_id = replies[0]["party"]["self"]["session_id"]
    return replies[0], pushes[0], events[0]


def _create(s: RawWs, **body: Any) -> dict[str, Any]:
    return _create_frames(s, **body)[0]["party"]


def _sorted(frames: list[dict[str, Any]], cid: str | None, *push_keys: str) -> list[dict[str, Any]]:
    """(the reply to ``cid``, then one push per key): Nakama's party handler sends its pushes from its own
    goroutine, so they and the reply arrive in either order."""
    reply = [f for f in frames if f.get("cid") == cid]
    pushes = [[f for f in frames if "cid" not in f and key in f] for key in push_keys]
    assert len(reply) == 1 and all(len(p) == 1 for p in pushes), frames
    return [reply[0], *(p[0] for p in pushes)]


def _is_party_id(party_id: str) -> bool:
    """``<uuid>.<node>``: the node name is a server setting (``nakama`` by default)."""
    uid, _, node = party_id.partition(".")
    return bool(node) and uuid.UUID(uid).version == 4


def test_party_create_reply_then_push_then_own_join(sockets):
    (a,) = sockets(1)
    label = json.dumps({"name": "x", "mode": "coop"})
    reply, push, event = _create_frames(a, open=True, max_size=4, label=label)
    party = reply["party"]
    assert party["label"] == label and party["open"] is True and party["max_size"] == 4
    assert party["leader"] == party["self"] == party["presences"][0]
    assert _is_party_id(party["party_id"]) and "hidden" not in party
    assert "cid" not in push and "label" not in push["party"] and push["party"]["party_id"] == party["party_id"]
    assert event == {"party_presence_event": {"party_id": party["party_id"], "joins": [party["self"]]}}


def test_party_create_errors(sockets):
    (a,) = sockets(1)
    err = a.request("party_create", {"open": True, "max_size": 4, "label": "party-x"})["error"]
    assert err == {"code": 3, "message": "Error creating party: failed to unmarshal party label: "
                                         "invalid character 'p' looking for beginning of value"}
    assert a.request("party_create", {"open": True, "max_size": 300})["error"]["message"] == \
        "Invalid party max size, must be 1-256"
    assert a.request("party_join", {"party_id": "not-a-party"})["error"] == {"code": 3,
                                                                            "message": "Invalid party ID"}
    missing = f"{uuid.uuid4()}.nakama1"
    assert a.request("party_join", {"party_id": missing})["error"]["message"] == \
        "Error joining party: party not found"


def test_open_party_join_data_update_promote_leave(sockets):
    a, b, c = sockets(3)
    party = _create(a, open=True, max_size=3)
    pid = party["party_id"]
    cid = b.send("party_join", {"party_id": pid})
    ack, push, event = _sorted(b.order(3), cid, "party", "party_presence_event")  # any order on Nakama
    assert ack == {"cid": cid}
    assert push["party"]["self"]["username"] == b.username and len(push["party"]["presences"]) == 2
    b.session_id = push["party"]["self"]["session_id"]
    assert event["party_presence_event"]["joins"] == [b.presence]
    assert a.key("party_presence_event")["joins"] == [b.presence]
    c.send("party_join", {"party_id": pid})
    c.session_id = c.key("party")["self"]["session_id"]
    a.key("party_presence_event"), b.key("party_presence_event"), c.key("party_presence_event")

    # data goes to the others, never back to the sender; the sender gets an ack (bare {} without cid)
    a.send("party_data_send", {"party_id": pid, "op_code": 1, "data": "eHk="}, cid=False)
    assert a.next(lambda f: f == {}) == {}
    for other in (b, c):
        assert other.key("party_data") == {"party_id": pid, "presence": a.presence, "op_code": "1", "data": "eHk="}

    # only the leader updates; the push reaches every member
    assert a.request("party_update", {"party_id": pid, "label": "{\"k\":1}", "open": False}) .keys() == {"cid"}
    for s in (a, b, c):
        assert s.key("party_update") == {"party_id": pid, "label": "{\"k\":1}"}
    assert b.request("party_update", {"party_id": pid, "open": True})["error"]["message"] == \
        "Error updating party: party leader only"

    # promote: party_leader to all before the ack
    cid = a.send("party_promote", {"party_id": pid, "presence": b.presence})
    ack, leader = _sorted(a.order(2), cid, "party_leader")
    assert leader["party_leader"]["presence"] == b.presence and ack == {"cid": cid}
    assert b.key("party_leader")["presence"] == b.presence
    c.key("party_leader")

    # the leader leaves: the oldest remaining member (a) leads; leader event before the leave event
    b.request("party_leave", {"party_id": pid})
    for s in (a, c):
        first = s.next(lambda f: "party_leader" in f or "party_presence_event" in f)
        assert first["party_leader"]["presence"] == a.presence
        assert s.key("party_presence_event")["leaves"] == [b.presence]


def test_closed_party_request_accept_remove_close(sockets):
    c, d, e = sockets(3)
    party = _create(c, open=False, max_size=2)
    pid = party["party_id"]
    assert "open" not in party
    ack = d.request("party_join", {"party_id": pid})
    assert ack .keys() == {"cid"}
    req = c.key("party_join_request")
    d.session_id = req["presences"][0]["session_id"]
    assert req == {"party_id": pid, "presences": [d.presence]}
    assert d.request("party_join", {"party_id": pid})["error"]["message"] == \
        "Error joining party: party join request duplicate"
    assert c.request("party_join_request_list", {"party_id": pid})["party_join_request"]["presences"] == \
        [d.presence]
    assert d.request("party_join_request_list", {"party_id": pid})["error"]["message"] == \
        "Error listing party join requests: party leader only"
    c.request("party_accept", {"party_id": pid, "presence": d.presence})
    assert c.key("party_presence_event")["joins"] == [d.presence]
    assert d.key("party")["leader"] == party["self"]
    assert d.key("party_presence_event")["joins"] == [d.presence]
    # full now
    assert e.request("party_join", {"party_id": pid})["error"]["message"] == "Error joining party: party full"
    assert c.request("party_remove", {"party_id": pid, "presence": party["self"]})["error"]["message"] == \
        "Error removing party member or join request: party cannot remove self"
    # kick d: party_close to d, a leave event to c
    c.request("party_remove", {"party_id": pid, "presence": d.presence})
    assert d.key("party_close") == {"party_id": pid}
    assert c.key("party_presence_event")["leaves"] == [d.presence]
    # d asks again and is quietly refused
    d.request("party_join", {"party_id": pid})
    c.key("party_join_request")
    c.request("party_remove", {"party_id": pid, "presence": d.presence})
    assert c.request("party_join_request_list", {"party_id": pid})["party_join_request"] == {"party_id": pid}
    # close: party_close to everyone, then the party is gone
    c.request("party_close", {"party_id": pid})
    assert c.key("party_close") == {"party_id": pid}
    assert d.request("party_join", {"party_id": pid})["error"]["message"] == "Error joining party: party not found"


def test_matchmaker_errors_and_limits(sockets):
    (a,) = sockets(1)
    bad = [({"min_count": 4, "max_count": 2}, "Invalid maximum count, must be >= minimum count"),
           ({"min_count": 1, "max_count": 2}, "Invalid minimum count, must be >= 2"),
           ({"min_count": 2, "max_count": 3, "count_multiple": 2}, "Invalid count multiple for maximum count, must divide")]
    for body, message in bad:
        assert a.request("matchmaker_add", {"query": "*", **body})["error"] == {"code": 3, "message": message}
    mode = uuid.uuid4().hex
    body = {"min_count": 2, "max_count": 2, "query": f"+properties.mode:{mode}", "string_properties": {"mode": mode}}
    tickets = [a.request("matchmaker_add", body)["matchmaker_ticket"]["ticket"] for _ in range(3)]
    assert a.request("matchmaker_add", body)["error"] == {"message": "Error adding to matchmaker"}
    assert a.request("matchmaker_remove", {"ticket": tickets[0]}) .keys() == {"cid"}
    assert a.request("matchmaker_remove", {"ticket": tickets[0]})["error"] == \
        {"code": 3, "message": "Matchmaker ticket not found"}
    # the query is not checked at add time
    assert "matchmaker_ticket" in a.request("matchmaker_add", {**body, "query": "+properties.mode:((("})


def test_matchmaker_match_and_join_by_token(sockets):
    a, b, c = sockets(3)
    mode = uuid.uuid4().hex
    body = {"min_count": 2, "max_count": 2, "query": f"+properties.mode:{mode} -properties.skill:<5",
            "string_properties": {"mode": mode}, "numeric_properties": {"skill": 10}}
    ta = a.request("matchmaker_add", body)["matchmaker_ticket"]["ticket"]
    # c has the mode but a skill that a's and b's "-properties.skill:<5" exclude. Nakama checks only the
    # searching ticket's query (matchmaker.rev_precision is off by default), so c's own query must not
    # want a or b either: it asks for low skill.
    c.request("matchmaker_add", {**body, "numeric_properties": {"skill": 1},
                                 "query": f"+properties.mode:{mode} +properties.skill:<5"})
    tb = b.request("matchmaker_add", body)["matchmaker_ticket"]["ticket"]
    ma = a.key("matchmaker_matched")
    mb = b.key("matchmaker_matched")
    assert ma["ticket"] == ta and mb["ticket"] == tb and ma["token"] == mb["token"]
    assert {u["presence"]["username"] for u in ma["users"]} == {a.username, b.username}
    assert ma["self"]["presence"]["username"] == a.username
    assert ma["self"]["numeric_properties"] == {"skill": 10} and ma["self"]["string_properties"] == {"mode": mode}
    claims = _claims(ma["token"])
    assert set(claims) == {"exp", "mid"} and claims["mid"].endswith(".")
    assert a.request("matchmaker_remove", {"ticket": ta})["error"]["message"] == "Matchmaker ticket not found"
    joined = a.request("match_join", {"token": ma["token"]})["match"]
    assert joined["match_id"] == claims["mid"]
    assert "matchmaker_matched" not in json.dumps(c.seen)


@pytest.mark.devserver_only("looks into the matchmaker's ticket pool")
def test_stats_and_cleanup_on_close(devserver, sockets):
    a, b = sockets(2)
    mode = uuid.uuid4().hex
    body = {"min_count": 2, "max_count": 2, "query": f"+properties.mode:{mode}-nobody",
            "string_properties": {"mode": mode}}
    ticket = a.request("matchmaker_add", body)["matchmaker_ticket"]["ticket"]
    assert devserver.call(lambda: ticket in devserver.hub.matchmaker.tickets)
    a.close()
    deadline = time.monotonic() + WAIT
    while devserver.call(lambda: ticket in devserver.hub.matchmaker.tickets):
        assert time.monotonic() < deadline, "ticket survived its session"
        threading.Event().wait(0.02)
    reply = requests.get(f"http://{devserver.host}:{devserver.port}/v2/matchmaker/stats",
                         headers={"Authorization": f"Bearer {b.token}"}, timeout=WAIT)
    assert reply.status_code == 200 and isinstance(reply.json(), dict)


def test_party_matchmaking_whole_party(sockets):
    a, b, c, d = sockets(4)
    party = _create(a, open=True, max_size=3)
    pid = party["party_id"]
    for s in (b, c):
        s.send("party_join", {"party_id": pid})
        s.session_id = s.key("party")["self"]["session_id"]
    mode = uuid.uuid4().hex
    body = {"party_id": pid, "min_count": 4, "max_count": 4, "query": f"+properties.mode:{mode}",
            "string_properties": {"mode": mode}}
    assert b.request("party_matchmaker_add", body)["error"]["message"] == \
        "Error adding party to matchmaker: party leader only"
    ticket = a.request("party_matchmaker_add", body)["party_matchmaker_ticket"]
    assert ticket["party_id"] == pid
    for s in (b, c):
        assert s.key("party_matchmaker_ticket") == ticket
    d.request("matchmaker_add", {"min_count": 4, "max_count": 4, "query": f"+properties.mode:{mode}",
                                 "string_properties": {"mode": mode}})
    matched = [s.key("matchmaker_matched") for s in (a, b, c, d)]
    assert len({m["token"] for m in matched}) == 1
    assert all(len(m["users"]) == 4 for m in matched)
    assert {m["self"].get("party_id") for m in matched[:3]} == {pid} and "party_id" not in matched[3]["self"]
    assert {m["ticket"] for m in matched[:3]} == {ticket["ticket"]}


def test_party_listing(sockets):
    (a,) = sockets(1)
    name = uuid.uuid4().hex
    party = _create(a, open=True, max_size=4, label=json.dumps({"name": name}))
    _create(a, open=True, max_size=4, hidden=True, label=json.dumps({"name": name}))
    url = f"{a.base}/v2/party"
    headers = {"Authorization": f"Bearer {a.token}"}
    # Nakama's party index takes in new parties on its own schedule (about a second): poll for it
    deadline = time.monotonic() + WAIT
    while True:
        found = requests.get(url, params={"limit": 10, "open": "true", "query": f"+label.name:{name}"},
                             headers=headers, timeout=WAIT).json()
        if found or time.monotonic() > deadline:
            break
        threading.Event().wait(0.1)
    assert found == {"parties": [{"party_id": party["party_id"], "open": True, "max_size": 4,
                                  "label": json.dumps({"name": name})}]}
    assert requests.get(url, params={"limit": 0}, headers=headers, timeout=WAIT).status_code == 400


def test_min_count_settles_after_max_intervals_with_count_multiple(sockets):
    """min 2 / max 4: three tickets match as three once their intervals run out; with count_multiple 2
    only two of them match and the third stays in the pool."""
    three = sockets(3)
    mode = uuid.uuid4().hex
    body = {"min_count": 2, "max_count": 4, "query": f"+properties.mode:{mode}", "string_properties": {"mode": mode}}
    cids = [s.send("matchmaker_add", body) for s in three]   # a burst: all in before the next tick
    for s, cid in zip(three, cids):
        assert "matchmaker_ticket" in s.reply(cid)
    sizes = {len(s.key("matchmaker_matched")["users"]) for s in three}
    assert sizes == {3}

    pairs = sockets(3)
    mode = uuid.uuid4().hex
    body = {**body, "query": f"+properties.mode:{mode}", "string_properties": {"mode": mode}, "count_multiple": 2}
    tickets = [s.request("matchmaker_add", body)["matchmaker_ticket"]["ticket"] for s in pairs]
    # 3 is not a multiple of 2: two of them match each other (which two is not promised: Nakama picks
    # in no fixed order), the third stays in the pool
    first = next(s for s in _first_to_speak(pairs))
    users = first.key("matchmaker_matched")["users"]
    names = {u["presence"]["username"] for u in users}
    assert len(names) == 2 and first.username in names
    partner = next(s for s in pairs if s.username in names and s is not first)
    assert {u["presence"]["username"] for u in partner.key("matchmaker_matched")["users"]} == names
    (left,) = [s for s in pairs if s.username not in names]
    assert left.request("matchmaker_remove", {"ticket": tickets[pairs.index(left)]}).keys() == {"cid"}


def _first_to_speak(socks: list[RawWs], timeout: float = WAIT) -> list[RawWs]:
    """The sockets that have an unconsumed frame, waiting (bounded) until at least one has."""
    deadline = time.monotonic() + timeout
    while True:
        ready = [s for s in socks if s.seen or not s.frames.empty()]
        if ready:
            return ready
        assert time.monotonic() < deadline, "no socket heard anything"
        threading.Event().wait(0.02)


def test_query_subset():
    from nakama_sync.devserver._mm_query import QueryError, parse_query

    q = parse_query('+properties.region:eu -properties.mode:casual properties.map:"big one" '
                    '+properties.rank:>=10 +properties.rank:<20')
    assert q.score({"region": "eu", "map": "big one"}, {"rank": 10}) == 4.0
    assert q.score({"region": "eu"}, {"rank": 19.5}) == 3.0          # optional terms only rank
    assert q.score({"region": "eu"}, {"rank": 20}) is None            # range
    assert q.score({"region": "us"}, {"rank": 12}) is None            # required
    assert q.score({"region": "eu", "mode": "casual"}, {"rank": 12}) is None   # negated
    assert parse_query("*").score({}, {}) is not None
    assert parse_query("").score({}, {}) is not None
    assert parse_query("properties.a:x properties.b:y").score({"c": "x"}, {}) is None  # one optional must hit
    assert parse_query("+properties.level:5").score({}, {"level": 5.0}) is not None
    assert parse_query("+properties.tag:*").score({"tag": "z"}, {}) is not None
    assert parse_query(r"+properties.name:a\:b").score({"name": "a:b"}, {}) is not None
    for bad in ("+properties.mode:(((", "+", 'properties.a:"open', "properties.a:>x", "properties.a:b^2"):
        with pytest.raises(QueryError):
            parse_query(bad)
