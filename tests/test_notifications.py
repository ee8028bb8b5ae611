"""``Client.list_notifications`` / ``delete_notifications`` (PROTOCOL.md §6, §7.7); valid on a real Nakama."""
from __future__ import annotations

from typing import Any

import pytest

import nakama_sync
from nakama_sync.exceptions import ApiError

from .test_devserver_realtime_base import RtUser, connect_fixture, http  # noqa: F401


def _notify_me(client: nakama_sync.Client, session: nakama_sync.Session, times: int = 1) -> None:
    for _ in range(times):
        client.rpc(session, "notify_me", "")


def test_list_oldest_first_with_cacheable_cursor(client: nakama_sync.Client, new_session: Any) -> None:
    s = new_session()
    empty = client.list_notifications(s, limit=10)
    assert empty.notifications == [] and empty.cacheable_cursor  # a cursor even for an empty list
    _notify_me(client, s, 2)
    first = client.list_notifications(s)  # default limit is 1
    (n1,) = first.notifications
    assert (n1.subject, n1.code, n1.content, n1.persistent) == ("hello", 1, {"n": 1}, True)
    assert n1.sender_id == "" and n1.create_time is not None
    second = client.list_notifications(s, limit=1, cacheable_cursor=first.cacheable_cursor)
    (n2,) = second.notifications
    assert n2.id != n1.id
    both = client.list_notifications(s, limit=100)
    assert [n.id for n in both.notifications] == [n1.id, n2.id]
    newer = client.list_notifications(s, limit=100, cacheable_cursor=both.cacheable_cursor)
    assert newer.notifications == [] and newer.cacheable_cursor


def test_delete_notifications(client: nakama_sync.Client, new_session: Any) -> None:
    s = new_session()
    _notify_me(client, s, 2)
    ids = [n.id for n in client.list_notifications(s, limit=100).notifications]
    client.delete_notifications(s, ids)
    assert client.list_notifications(s, limit=100).notifications == []
    client.delete_notifications(s, ["b2424254-3559-438e-9032-066cc17b7749"])  # unknown: fine
    client.delete_notifications(s, [])
    with pytest.raises(ApiError) as info:
        client.delete_notifications(s, ["not-a-uuid"])
    assert (info.value.status_code, info.value.grpc_code) == (500, 13)
    assert info.value.message == "Error while deleting notifications."
    with pytest.raises(TypeError):
        client.delete_notifications(s, "not-a-list")


def test_raw_list_shape_and_push(target: Any, client: nakama_sync.Client, new_session: Any,
                                 connect: Any) -> None:
    s = new_session()
    sock = connect(RtUser(s.user_id, s.username, s.token))
    _notify_me(client, s)
    (pushed,) = sock.push("notifications")["notifications"]
    assert pushed["sender_id"] == "00000000-0000-0000-0000-000000000000" and pushed["content"] == '{"n":1}'
    body = http(target, RtUser(s.user_id, s.username, s.token), "GET", "/v2/notification",
                params={"limit": 10}).json()
    (listed,) = body["notifications"]
    assert listed == {"id": pushed["id"], "subject": "hello", "content": '{"n": 1}', "code": 1,
                      "create_time": pushed["create_time"], "persistent": True}


def test_limit_out_of_range(client: nakama_sync.Client, new_session: Any) -> None:
    with pytest.raises(ApiError) as info:
        client.list_notifications(new_session(), limit=1000)
    assert info.value.status_code == 400
