"""Joining a relayed match by matchmaker token (dev server only: the token is minted by the server)."""
from __future__ import annotations

from typing import Any

import pytest

from .test_devserver_realtime_base import connect_fixture, presence  # noqa: F401


@pytest.mark.devserver_only("mints a matchmaker match token through the dev server's match registry")
def test_token_join_creates_the_match(devserver: Any, connect: Any) -> None:
    a, b = connect(), connect()
    token, mid = devserver.call(devserver.hub.matches.new_token)
    first = a.ok("match_join", {"token": token}, "match")
    assert first == {"match_id": mid, "self": presence(a, a.session_id)}  # no size, no presences
    second = b.ok("match_join", {"token": token}, "match")
    assert second == {"match_id": mid, "size": 1, "presences": [presence(a, a.session_id)],
                      "self": presence(b, b.session_id)}
    assert a.push("match_presence_event", match_id=mid)["joins"] == [presence(a, a.session_id)]
    assert a.push("match_presence_event", match_id=mid)["joins"] == [presence(b, b.session_id)]
    listed = devserver.call(devserver.hub.matches.list_matches)
    assert {"match_id": mid, "authoritative": False, "size": 2} in listed


@pytest.mark.devserver_only("mints match tokens with the dev server's signing key")
def test_expired_or_foreign_token_is_invalid(devserver: Any, connect: Any) -> None:
    from nakama_sync.devserver import _jwt

    a = connect()
    expired = _jwt.encode({"exp": 1, "mid": "7f3c4cbb-1f49-4e5a-9a53-0c3d7a2c9d11."}, "defaultencryptionkey")
    assert a.fail("match_join", {"token": expired}) == (3, "Invalid match token")
    foreign = _jwt.encode({"exp": 2**31, "mid": "7f3c4cbb-1f49-4e5a-9a53-0c3d7a2c9d11."}, "otherkey")
    assert a.fail("match_join", {"token": foreign}) == (3, "Invalid match token")
