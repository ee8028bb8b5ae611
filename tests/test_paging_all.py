"""``nakama_sync.paging`` with every listing method of the Client (the others are in their own files:
friends, groups, group users, storage, leaderboard and tournament records)."""
from __future__ import annotations

import inspect
import threading
import time
import typing
import uuid
from typing import Any

import pytest

import nakama_sync
from nakama_sync.paging import _cursor_argument, _items_of, _next_cursor, items, pages

from .test_devserver_realtime_base import RtUser, connect_fixture  # noqa: F401

LISTING = sorted(name for name in dir(nakama_sync.Client) if name.startswith("list_") and not name.endswith("_nowait"))


@pytest.mark.parametrize("name", LISTING)
def test_every_listing_page_type_is_understood(name: str) -> None:
    method = getattr(nakama_sync.Client, name)
    page_type = typing.get_type_hints(method)["return"]
    page = page_type.from_wire({})
    assert isinstance(_items_of(page), list)
    assert _next_cursor(page) == ""
    argument = _cursor_argument(method)
    if name == "list_matches":
        assert argument is None
    else:
        assert argument in inspect.signature(method).parameters


def test_channel_messages_pages_and_items(client: nakama_sync.Client, new_session: Any, connect: Any) -> None:
    reader, writer = new_session(), new_session()
    name = f"page{uuid.uuid4().hex[:10]}"
    channel_id = f"2...{name}"
    ws = connect(RtUser(writer.user_id, writer.username, writer.token))
    ws.ok("channel_join", {"target": name, "type": 1}, "channel")
    sent = [ws.ok("channel_message_send", {"channel_id": channel_id, "content": f'{{"n":{i}}}'},
                  "channel_message_ack")["message_id"] for i in range(5)]
    walked = list(pages(client.list_channel_messages, reader, channel_id, limit=2, forward=True))
    assert [len(p.messages) for p in walked][:3] == [2, 2, 1]
    got = [m.message_id for m in items(client.list_channel_messages, reader, channel_id, limit=2, forward=True)]
    assert got == sent
    assert len(list(pages(client.list_channel_messages, reader, channel_id, limit=2, max_pages=2))) == 2


def test_notifications_items(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    for _ in range(3):
        client.rpc(session, "notify_me")
    got = list(items(client.list_notifications, session, limit=1))
    assert len(got) == 3 and len({n.id for n in got}) == 3


def test_party_list_items(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    sock = client.create_socket()
    try:
        sock.connect(session)
        label = uuid.uuid4().hex[:12]
        made = {sock.create_party(open=True, max_size=4, label={"name": label}).party_id for _ in range(2)}
        query = f"+label.name:{label}"
        deadline = time.monotonic() + 10.0
        while True:   # Nakama (and the dev server) index parties once a second
            found = {p.party_id for p in items(client.list_parties, session, limit=1, open=True, query=query)}
            if found == made or time.monotonic() > deadline:
                break
            threading.Event().wait(0.25)
        assert found == made
        assert all(isinstance(p, nakama_sync.PartyList)
                   for p in pages(client.list_parties, session, limit=1, open=True, query=query))
    finally:
        sock.close()


def test_single_page_listings(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    assert len(list(pages(client.list_matches, session, limit=10))) == 1
    assert list(items(client.list_subscriptions, session, limit=10)) == []
    assert list(items(client.list_user_groups, session, limit=10)) == []


def test_something_that_is_not_a_page_is_refused(client: nakama_sync.Client) -> None:
    with pytest.raises(TypeError, match="not a page"):
        list(items(lambda cursor=None: 42))


def test_leaderboard_records_around_owner_pages(client: nakama_sync.Client, new_session: Any) -> None:
    from ._fixtures_server import BOARD_ASC
    users = [new_session() for _ in range(4)]
    base = (1 << 62) - time.time_ns() // 1000   # below earlier runs' scores (Nakama refuses negative ones)
    for i, u in enumerate(users):
        client.write_leaderboard_record(u, BOARD_ASC, base + i)
    walked = list(pages(client.list_leaderboard_records_around_owner, users[0], BOARD_ASC, limit=2, max_pages=2))
    ranks = [r.rank for p in walked for r in p.records]
    assert ranks[:2] == [1, 2] and len(walked) == 2
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)   # the second page goes on, no repeats


def test_user_groups_items(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    made = {client.create_group(session, f"pg{uuid.uuid4().hex[:12]}").id for _ in range(3)}
    got = {g.group.id for g in items(client.list_user_groups, session, limit=1) if g.group is not None}
    assert got == made


# ---- pages() and items() agree, for the listing methods whose own tests use only one of them ----------
def _agree(fn: Any, *args: Any, **kwargs: Any) -> tuple[list[Any], list[Any]]:
    """Walk ``fn`` with pages() and with items(): the items must be the pages' items, in order."""
    walked = list(pages(fn, *args, **kwargs))
    flat = [x for page in walked for x in _items_of(page)]
    assert list(items(fn, *args, **kwargs)) == flat
    return walked, flat


def test_tournament_records_around_owner_pages_and_items(client: nakama_sync.Client, new_session: Any) -> None:
    from ._fixtures_server import CUP_OPEN
    users = [new_session() for _ in range(4)]
    base = time.time_ns() // 1000   # above every earlier run's scores (the cup sorts descending)
    for i, u in enumerate(users):
        client.write_tournament_record(u, CUP_OPEN, base - i)
    walked, records = _agree(client.list_tournament_records_around_owner, users[0], CUP_OPEN, limit=2,
                             max_pages=2)
    assert len(walked) == 2 and all(isinstance(p, nakama_sync.TournamentRecordList) for p in walked)
    ranks = [r.rank for r in records]
    assert ranks[:2] == [1, 2] and [r.owner_id for r in records[:2]] == [u.user_id for u in users[:2]]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)   # the second page goes on, no repeats


def test_leaderboard_and_tournament_records_items(client: nakama_sync.Client, new_session: Any) -> None:
    from ._fixtures_server import BOARD_ASC, CUP_OPEN
    users = [new_session() for _ in range(3)]
    now = time.time_ns() // 1000
    low, high = (1 << 62) - now, now   # below / above every earlier run's scores: first on both boards
    for i, u in enumerate(users):
        client.write_leaderboard_record(u, BOARD_ASC, low + i)
        client.write_tournament_record(u, CUP_OPEN, high - i)
    owners = [u.user_id for u in users]
    _, board = _agree(client.list_leaderboard_records, users[0], BOARD_ASC, limit=1, max_pages=3)
    assert [r.owner_id for r in board] == owners
    _, cup = _agree(client.list_tournament_records, users[0], CUP_OPEN, limit=1, max_pages=3)
    assert [r.owner_id for r in cup] == owners
    _, near = _agree(client.list_leaderboard_records_around_owner, users[0], BOARD_ASC, limit=2, max_pages=2)
    assert [r.owner_id for r in near[:3]] == owners


def test_groups_pages_and_items(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    prefix = f"pgl{uuid.uuid4().hex[:10]}"
    made = sorted(client.create_group(session, f"{prefix}-{i}").id for i in range(3))
    walked, groups = _agree(client.list_groups, session, name=f"{prefix}%", limit=1)
    assert sorted(g.id for g in groups) == made and len(walked) >= 3


def test_user_groups_and_notifications_pages(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    made = {client.create_group(session, f"pu{uuid.uuid4().hex[:12]}").id for _ in range(3)}
    walked, user_groups = _agree(client.list_user_groups, session, limit=1)
    assert {g.group.id for g in user_groups if g.group is not None} == made and len(walked) >= 3
    for _ in range(3):
        client.rpc(session, "notify_me")
    walked, notes = _agree(client.list_notifications, session, limit=1)
    assert len({n.id for n in notes}) == 3 and [len(p.notifications) for p in walked][:3] == [1, 1, 1]


def test_friends_of_friends_pages(client: nakama_sync.Client, new_session: Any) -> None:
    a, b = new_session(), new_session()
    others = [new_session() for _ in range(3)]
    for x, y in [(a, b)] + [(b, o) for o in others]:
        client.add_friends(x, ids=[y.user_id])
        client.add_friends(y, ids=[x.user_id])
    walked, fof = _agree(client.list_friends_of_friends, a, limit=1)
    assert sorted(f.user.id for f in fof if f.user is not None) == sorted(o.user_id for o in others)
    assert all(f.referrer == b.user_id for f in fof) and len(walked) >= 3


def test_single_page_listings_agree(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    sock = client.create_socket()
    try:
        sock.connect(session)
        sock.create_match()
        walked, matches = _agree(client.list_matches, session, limit=100)
        assert len(walked) == 1 and isinstance(walked[0], nakama_sync.MatchList)
        assert all(isinstance(m, nakama_sync.ApiMatch) for m in matches)
    finally:
        sock.close()
    walked, subscriptions = _agree(client.list_subscriptions, session, limit=10)
    assert subscriptions == [] and len(walked) == 1
