"""Friends over HTTP: requests, accept, block, delete, friends of friends, paging, imports."""
from __future__ import annotations

import pytest

from nakama_sync import ApiError
from nakama_sync.models import FriendState
from nakama_sync.paging import items, pages

from .conftest import calls_provider, unique


def _states(client, session):
    return {f.user.id: f.state for f in items(client.list_friends, session, limit=100)}


def _codes(client, session):
    return [n.code for n in client.list_notifications(session, limit=100).notifications]


def test_request_accept_and_notifications(client, new_session):
    a, b = new_session(unique("fa")), new_session(unique("fb"))
    client.add_friends(a, ids=[b.user_id], metadata={"from": "test"})
    assert _states(client, a) == {b.user_id: FriendState.INVITE_SENT}
    assert _states(client, b) == {a.user_id: FriendState.INVITE_RECEIVED}
    client.add_friends(b, usernames=[a.username])
    assert _states(client, a) == {b.user_id: FriendState.MUTUAL}
    assert _states(client, b) == {a.user_id: FriendState.MUTUAL}
    page = client.list_friends(a, state=0, limit=10)
    assert page.friends[0].user.username == b.username and page.friends[0].update_time is not None
    client.delete_friends(a, ids=b.user_id)
    assert _states(client, a) == {} and _states(client, b) == {}


def test_friend_notifications_are_stored(client, new_session):
    a, b = new_session(), new_session()
    client.add_friends(a, ids=[b.user_id])
    client.add_friends(b, ids=[a.user_id])
    client.delete_friends(b, ids=[a.user_id])
    notes_b = client.list_notifications(b, limit=100).notifications
    notes_a = client.list_notifications(a, limit=100).notifications
    assert [n.code for n in notes_b] == [-2]
    assert notes_b[0].content == {"username": a.username} and notes_b[0].sender_id == a.user_id
    assert [n.code for n in notes_a] == [-3, -9]
    assert notes_a[1].subject == f"{b.username} removed you as a friend"


def test_block_and_errors(client, new_session):
    a, c = new_session(), new_session()
    client.block_friends(a, ids=[c.user_id])
    assert _states(client, a) == {c.user_id: FriendState.BLOCKED}
    assert _states(client, c) == {}
    client.add_friends(c, ids=[a.user_id])  # blocked: quietly nothing
    assert _states(client, c) == {}
    with pytest.raises(ApiError) as err:
        client.add_friends(a, ids=[a.user_id])
    assert (err.value.status_code, err.value.message) == (400, "Cannot add self as friend.")
    with pytest.raises(ApiError) as err:
        client.add_friends(a, ids=["not-a-uuid"])
    assert err.value.message == "Invalid user ID 'not-a-uuid'."
    client.add_friends(a, ids=["73804955-333a-49ec-a432-d8a184de27e8"])  # unknown: 200, nothing
    client.delete_friends(a, usernames=[c.username])  # unblock
    assert _states(client, a) == {}


def test_list_friends_walks_pages(client, new_session):
    a = new_session()
    others = [new_session() for _ in range(5)]
    client.add_friends(a, ids=[o.user_id for o in others])
    got = list(pages(client.list_friends, a, limit=2))
    assert [len(p.friends) for p in got] == [2, 2, 1]
    assert sorted(f.user.id for p in got for f in p.friends) == sorted(o.user_id for o in others)


def test_friends_of_friends(client, new_session):
    a, b, c = new_session(), new_session(), new_session()
    for x, y in ((a, b), (b, c)):
        client.add_friends(x, ids=[y.user_id])
        client.add_friends(y, ids=[x.user_id])
    fof = list(items(client.list_friends_of_friends, a, limit=1))
    assert [(f.referrer, f.user.id) for f in fof] == [(b.user_id, c.user_id)]


@calls_provider
def test_facebook_import_without_provider_fails_cleanly(client, new_session):
    s = new_session()
    with pytest.raises(ApiError) as err:
        client.import_facebook_friends(s, "bogus-token", reset=True)
    assert err.value.status_code in (400, 401, 500)


def test_steam_import_without_provider_fails_cleanly(client, new_session):
    s = new_session()
    with pytest.raises(ApiError) as err:
        client.import_steam_friends(s, "bogus-ticket")
    assert err.value.status_code in (400, 401, 500)
