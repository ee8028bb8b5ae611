"""The code the guides show (docs/guides/code/*.py, included into the pages) runs against the test target."""
from __future__ import annotations

import runpy
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import nakama_sync

from .conftest import Target, unique

CODE = Path(__file__).resolve().parent.parent / "docs" / "guides" / "code"


def load(name: str) -> SimpleNamespace:
    """docs/guides/code/<name>.py's functions, as attributes."""
    return SimpleNamespace(**runpy.run_path(str(CODE / f"{name}.py")))


def pump(sockets: list[nakama_sync.Socket], done: Callable[[], bool], timeout: float) -> None:
    """A tiny game loop: poll every socket until ``done()``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        for socket in sockets:
            socket.poll(timeout=0.01)


@pytest.fixture
def players(client: nakama_sync.Client) -> Iterator[Callable[[], tuple[nakama_sync.Session, nakama_sync.Socket]]]:
    opened: list[nakama_sync.Socket] = []

    def player() -> tuple[nakama_sync.Session, nakama_sync.Socket]:
        session = client.authenticate_device(unique("device"), username=unique("guide"))
        socket = client.create_socket()
        socket.connect(session)
        opened.append(socket)
        return session, socket
    yield player
    for socket in opened:
        socket.close()


def mm_deadline(target: Target) -> float:
    return 45.0 if target.external else 20.0


def test_matchmaking_guide(players: Any, target: Target) -> None:
    code = load("matchmaking")
    mode = unique("duel").replace("-", "")
    (_, one), (_, two) = players(), players()
    games: list[dict[str, Any]] = [{}, {}]
    for socket, game in zip((one, two), games):
        code.connect_matched_handler(socket, game)
        assert code.add_ticket(socket, mode).ticket
    pump([one, two], lambda: all("match" in g for g in games), mm_deadline(target))
    assert games[0]["match"].match_id == games[1]["match"].match_id
    assert sorted(games[0]["players"]) == sorted(games[1]["players"]) and len(games[0]["players"]) == 2


def test_parties_guide(players: Any, target: Target) -> None:
    code = load("matchmaking")
    mode = unique("coop").replace("-", "")
    (_, leader), (_, member), (_, solo) = players(), players(), players()
    party = code.party_leader(leader)
    member.join_party(party.party_id)                       # closed: the leader's handler accepts
    joined: list[Any] = []
    member.received_party.connect(lambda sender, event: joined.append(event))
    pump([leader, member], lambda: bool(joined), 10.0)
    games: list[dict[str, Any]] = [{}, {}, {}]
    for socket, game in zip((leader, member, solo), games):
        code.connect_matched_handler(socket, game)
    code.party_matchmake(leader, party, mode)
    solo.add_matchmaker(query=f"+properties.mode:{mode}", min_count=3, max_count=3, string_properties={"mode": mode})
    pump([leader, member, solo], lambda: all("match" in g for g in games), mm_deadline(target))
    assert len({g["match"].match_id for g in games}) == 1


def test_chat_guide(players: Any, client: nakama_sync.Client) -> None:
    code = load("chat")
    (alice_session, alice), (bob_session, bob) = players(), players()
    room = unique("room")
    alice_lines: deque[str] = deque()
    bob_lines: deque[str] = deque()
    bob.on("received_channel_message", lambda sender, event: bob_lines.append(event.content.get("text")))
    bob.join_chat(room, 1, persistence=True)
    channel = code.join_and_talk(alice, room, alice_lines)
    pump([alice, bob], lambda: "gg" in bob_lines and bool(alice_lines), 10.0)
    history = code.history(client, alice_session, channel)
    assert [m.content for m in history[:1]] == [{"text": "good game!"}]   # the edited message, newest first
    inbox: list[str] = []
    code.notifications(bob, inbox)                 # bob joins a direct chat when asked
    joined: list[Any] = []
    alice.on("received_channel_presence", lambda sender, event: joined.extend(event.joins))
    dm = code.direct(alice, bob_session.user_id)
    pump([alice, bob], lambda: any(p.user_id == bob_session.user_id for p in joined), 10.0)
    alice.write_chat_message(dm.id, {"text": "still there?"})
    pump([alice, bob], lambda: "still there?" in bob_lines, 10.0)
    assert inbox == []                             # the chat request was handled, not listed


def test_notifications_guide(players: Any) -> None:
    code = load("chat")
    session, socket = players()
    inbox: list[str] = []
    code.notifications(socket, inbox)
    socket.rpc("notify_me")                        # the suite's RPC (tests/_rpcs.py, tests/nakama_module.lua)
    pump([socket], lambda: bool(inbox), 10.0)
    assert inbox == ["hello: {'n': 1}"]


def test_leaderboards_and_storage_guide(client: nakama_sync.Client, new_session: Any, target: Target) -> None:
    code = load("storage")
    session = new_session()
    board = "nsync_best"                          # declared by the test fixtures and tests/nakama_module.lua
    table = code.scores(client, session, board)
    assert any(session.username in row for row in table) or len(table) == 10
    assert code.save_and_load(client, session) == {"level": 3, "hp": 80}
    saved = client.read_storage_objects(session, [("saves", "slot1", session.user_id)]).objects[0]
    assert saved.value == {"level": 4, "hp": 80}   # the conditional write went through
    stale = nakama_sync.WriteStorageObject("saves", "slot1", {"level": 5}, version="0" * 32)
    with pytest.raises(nakama_sync.ApiError):     # an old version is refused, as the guide says
        client.write_storage_objects(session, [stale])
    assert code.every_save(client, session) == ["slot1"]
