"""Groups over HTTP: create/update/delete, list with name prefix and paging, join open/closed,
membership changes and states."""
from __future__ import annotations

import pytest

from nakama_sync import ApiError
from nakama_sync.models import GroupUserState
from nakama_sync.paging import items, pages

from .conftest import unique


def _members(client, session, group_id):
    return {m.user.id: m.state for m in items(client.list_group_users, session, group_id, limit=100)}


def test_create_update_delete(client, new_session):
    a = new_session()
    name = unique("grp")
    g = client.create_group(a, name, description="d", lang_tag="en", open=True, max_count=10)
    assert (g.name, g.description, g.open, g.edge_count, g.max_count, g.creator_id) == \
        (name, "d", True, 1, 10, a.user_id)
    closed = client.create_group(a, unique("closed"), open=False)
    assert closed.open is False and closed.max_count == 100
    with pytest.raises(ApiError) as err:
        client.create_group(a, name)
    assert (err.value.status_code, err.value.message) == (409, "Group name is in use.")
    client.update_group(a, g.id, description="new", open=False)
    listed = client.list_groups(a, name=name, limit=10).groups
    assert [(x.description, x.open) for x in listed] == [("new", False)]
    client.delete_group(a, g.id)
    assert client.list_groups(a, name=name, limit=10).groups == []
    with pytest.raises(ApiError) as err:
        client.join_group(a, g.id)
    assert (err.value.status_code, err.value.message) == (404, "Group not found.")


def test_list_groups_prefix_walks_pages(client, new_session):
    a = new_session()
    prefix = unique("pg")
    names = sorted(f"{prefix}-{i}" for i in range(5))
    for n in names:
        client.create_group(a, n, open=True)
    got = list(pages(client.list_groups, a, name=prefix + "%", limit=2))
    assert [len(p.groups) for p in got] == [2, 2, 1]
    assert sorted(g.name for p in got for g in p.groups) == names


def test_join_open_and_closed(client, new_session):
    a, b, c = new_session(), new_session(), new_session()
    open_g = client.create_group(a, unique("open"), open=True)
    closed_g = client.create_group(a, unique("closed"), open=False)
    client.join_group(b, open_g.id)
    client.join_group(c, closed_g.id)
    assert _members(client, a, open_g.id) == {a.user_id: GroupUserState.SUPERADMIN, b.user_id: GroupUserState.MEMBER}
    assert _members(client, a, closed_g.id)[c.user_id] == GroupUserState.JOIN_REQUEST
    assert [n.code for n in client.list_notifications(a, limit=100).notifications] == [-5]
    client.add_group_users(a, closed_g.id, [c.user_id])
    assert _members(client, a, closed_g.id)[c.user_id] == GroupUserState.MEMBER
    mine = client.list_user_groups(b).user_groups
    assert [(ug.group.id, ug.state) for ug in mine] == [(open_g.id, GroupUserState.MEMBER)]
    theirs = client.list_user_groups(a, c.user_id, limit=10).user_groups
    assert [ug.group.id for ug in theirs] == [closed_g.id]
    client.leave_group(b, open_g.id)
    assert b.user_id not in _members(client, a, open_g.id)


def test_promote_demote_kick_ban(client, new_session):
    a, b, c = new_session(), new_session(), new_session()
    g = client.create_group(a, unique("ranks"), open=True)
    client.add_group_users(a, g.id, [b.user_id, c.user_id])
    client.promote_group_users(a, g.id, [b.user_id])
    assert _members(client, a, g.id)[b.user_id] == GroupUserState.ADMIN
    assert [m.user.id for m in client.list_group_users(a, g.id, state=GroupUserState.ADMIN).group_users] == \
        [b.user_id]
    client.demote_group_users(a, g.id, [b.user_id])
    assert _members(client, a, g.id)[b.user_id] == GroupUserState.MEMBER
    client.kick_group_users(a, g.id, [b.user_id])
    assert b.user_id not in _members(client, a, g.id)
    client.ban_group_users(a, g.id, [c.user_id])
    assert c.user_id not in _members(client, a, g.id)
    client.join_group(c, g.id)   # a banned user's join is accepted and changes nothing (as Nakama)
    assert c.user_id not in _members(client, a, g.id)
    banned = client.list_group_users(a, g.id, state=4).group_users  # banned (no GroupUserState name)
    assert [m.user.id for m in banned] == [c.user_id]
    client.join_group(b, g.id)
    with pytest.raises(ApiError) as exc:  # a plain member cannot add users
        client.add_group_users(b, g.id, [c.user_id])
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == \
        (404, 5, "Group not found or permission denied.")


def test_list_group_users_walks_pages(client, new_session):
    a = new_session()
    others = [new_session() for _ in range(4)]
    g = client.create_group(a, unique("many"), open=True)
    for o in others:
        client.join_group(o, g.id)
    got = list(pages(client.list_group_users, a, g.id, limit=2))
    assert [len(p.group_users) for p in got] == [2, 2, 1]
    assert got[0].group_users[0].user.id == a.user_id
    assert client.list_groups(a, name=g.name, limit=1).groups[0].edge_count == 5


# (actor, operation, target) -> the target's state afterwards (None: no longer in the group), as a real
# Nakama 3.40 answers. Ranks: sa superadmin, sa2 second superadmin, ad/ad2 admins, me/me2 members,
# jr join request, bn banned, out not in the group.
_RULES = [
    ("sa", "kick", "sa2", None), ("sa", "kick", "bn", None), ("ad", "kick", "bn", None), ("ad", "kick", "ad2", 1),
    ("ad", "kick", "jr", None), ("me", "kick", "me2", 2), ("sa", "ban", "sa2", 4), ("sa", "ban", "out", None),
    ("ad", "ban", "out", None), ("ad", "ban", "me2", 4), ("ad", "ban", "ad2", 1), ("sa", "promote", "jr", 3),
    ("sa", "promote", "ad2", 0), ("ad", "promote", "me2", 1), ("ad", "promote", "ad2", 1),
    ("ad", "demote", "ad2", 2), ("ad", "demote", "sa2", 0), ("sa", "demote", "sa2", 1), ("sa", "demote", "me2", 2),
]


@pytest.fixture(scope="module")
def cast(target):
    c = target.client()
    try:
        yield {r: c.authenticate_device(unique(f"rank-{r}"))
               for r in ("sa", "sa2", "ad", "ad2", "me", "me2", "jr", "bn", "out")}
    finally:
        c.close()


@pytest.mark.parametrize(("actor", "op", "who", "after"), _RULES, ids=[" ".join(r[:3]) for r in _RULES])
def test_admin_operations_follow_nakamas_ranks(client, cast, actor, op, who, after):
    sa = cast["sa"]
    g = client.create_group(sa, unique("ranks"), open=False)
    client.add_group_users(sa, g.id, [cast[r].user_id for r in ("sa2", "ad", "ad2", "me", "me2", "bn")])
    client.promote_group_users(sa, g.id, [cast[r].user_id for r in ("sa2", "ad", "ad2")])
    client.promote_group_users(sa, g.id, [cast["sa2"].user_id])
    client.ban_group_users(sa, g.id, [cast["bn"].user_id])
    client.join_group(cast["jr"], g.id)
    states = {**_members(client, sa, g.id), **{m.user.id: m.state for m in items(
        client.list_group_users, sa, g.id, state=4, limit=100)}}
    assert [states.get(cast[r].user_id) for r in ("sa", "sa2", "ad", "ad2", "me", "me2", "jr", "bn", "out")] == \
        [0, 0, 1, 1, 2, 2, 3, 4, None]
    method = getattr(client, f"{op}_group_users")
    if actor == "me":
        with pytest.raises(ApiError) as err:
            method(cast[actor], g.id, [cast[who].user_id])
        assert (err.value.status_code, err.value.grpc_code) == (404, 5)
    else:
        method(cast[actor], g.id, [cast[who].user_id])
    states = {**_members(client, sa, g.id), **{m.user.id: m.state for m in items(
        client.list_group_users, sa, g.id, state=4, limit=100)}}
    assert states.get(cast[who].user_id) == after
