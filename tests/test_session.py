"""Session: reading the JWT, expiry checks, restore, and the client's automatic refresh."""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync import Session, SessionError

from .conftest import unique


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_token(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT with the given claims (the client never checks signatures)."""
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    return f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(b'signature')}"


def claims(exp: int, iat: int, **extra: Any) -> dict[str, Any]:
    return {"tid": "t-1", "uid": "u-1", "usn": "alice", "exp": exp, "iat": iat, **extra}


def test_reads_claims() -> None:
    now = int(time.time())
    token = fake_token(claims(now + 60, now, vrs={"k": "v"}))
    refresh = fake_token(claims(now + 3600, now))
    session = Session(token, refresh, created=True)
    assert (session.user_id, session.username, session.vars, session.created) == ("u-1", "alice", {"k": "v"}, True)
    assert session.expire_time == now + 60 and session.refresh_expire_time == now + 3600
    assert session.create_time == now
    assert session.token == token and session.refresh_token == refresh
    assert token not in repr(session) and refresh not in repr(session)


def test_vars_are_a_copy() -> None:
    now = int(time.time())
    session = Session(fake_token(claims(now + 60, now, vrs={"k": "v"})), "")
    session.vars["k"] = "changed"
    assert session.vars == {"k": "v"}


def test_expiry_at_a_given_time() -> None:
    now = int(time.time())
    session = Session.restore(fake_token(claims(now + 60, now)), fake_token(claims(now + 3600, now)))
    assert not session.is_expired()
    assert session.is_expired(at=now + 60)          # expired at exp (now >= exp)
    assert not session.is_expired(at=now + 59)
    assert not session.is_refresh_expired(at=now + 3599)
    assert session.is_refresh_expired(at=now + 3600)


def test_refresh_margin_fits_the_lifetime() -> None:
    now = int(time.time())
    short = Session(fake_token(claims(now + 60, now)), "")
    assert short.refresh_margin() == pytest.approx(12.0)
    assert not short.needs_refresh(at=now + 47)
    assert short.needs_refresh(at=now + 48)
    long = Session(fake_token(claims(now + 7200, now)), "")
    assert long.refresh_margin() == 300.0


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "x.!!!.y", "x." + _b64(b"[1,2]") + ".y",
                                   "x." + _b64(b"not json") + ".y", "x." + _b64(b'{"uid":"u"}') + ".y",
                                   "x." + _b64(b'{"exp":"soon"}') + ".y"])
def test_malformed_token_raises_session_error(token: str) -> None:
    with pytest.raises(SessionError):
        Session(token, "")


def test_malformed_refresh_token_raises_session_error() -> None:
    now = int(time.time())
    with pytest.raises(SessionError):
        Session.restore(fake_token(claims(now + 60, now)), "garbage")


def test_real_session_claims(client: nakama_sync.Client) -> None:
    username = unique("sess")
    session = client.authenticate_device(unique("device"), username=username, vars={"build": "42"})
    assert session.username == username
    assert session.vars == {"build": "42"}
    assert session.created is True
    assert len(session.user_id) == 36
    assert session.refresh_expire_time > session.expire_time > time.time()
    restored = Session.restore(session.token, session.refresh_token)
    assert client.get_account(restored).user.id == session.user_id


def test_expired_refresh_token_fails_before_sending(target: Any) -> None:
    now = int(time.time())
    session = Session.restore(fake_token(claims(now - 10, now - 100)), fake_token(claims(now - 5, now - 100)))
    sent: list[Any] = []
    with target.client() as client:
        client._transport.request = lambda *a, **k: sent.append(a)  # type: ignore[method-assign]
        with pytest.raises(SessionError, match="refresh token has expired"):
            client.get_account(session)
        with pytest.raises(SessionError):
            client.session_refresh(session)
    assert sent == []


def test_explicit_refresh_updates_in_place(client: nakama_sync.Client) -> None:
    session = client.authenticate_device(unique("device"), vars={"a": "1"})
    old_token = session.token
    same = client.session_refresh(session, vars={"b": "2"})
    assert same is session
    assert session.token != old_token
    assert session.vars == {"b": "2"}
    assert session.created is True                   # kept from the authentication
    assert client.get_account(session).user.id == session.user_id


def _expiring_session(devserver: Any, client: nakama_sync.Client, seconds_left: int) -> Session:
    """A real user's session whose token (signed with the dev server's key) expires soon."""
    from nakama_sync.devserver import _jwt
    real = client.authenticate_device(unique("device"))
    now = int(time.time())
    base = {"tid": unique("tid"), "uid": real.user_id, "usn": real.username}
    token = _jwt.encode({**base, "exp": now + seconds_left, "iat": now - 60 + seconds_left},
                        devserver.config.encryption_key)
    refresh = _jwt.encode({**base, "exp": now + 3600, "iat": now - 60 + seconds_left},
                          devserver.config.refresh_encryption_key)
    return Session.restore(token, refresh)


@pytest.mark.devserver_only("forges a nearly expired session token with the server's signing keys")
def test_auto_refresh_renews_an_expiring_session(devserver: Any, target: Any) -> None:
    calls: list[Session] = []
    signals: list[Session] = []
    with target.client(on_session_refreshed=calls.append) as client:
        def on_refreshed(sender: Any, session: Session) -> None:
            assert sender is client
            signals.append(session)
        client.session_refreshed.connect(on_refreshed)
        session = _expiring_session(devserver, client, seconds_left=5)   # margin of a 60 s token: 12 s
        old_token = session.token
        account = client.get_account(session)
        assert account.user.id == session.user_id
        assert session.token != old_token
        assert session.expire_time >= time.time() + 7000     # the fixture's token lifetime
        assert calls == [session] and signals == [session]
        client.get_account(session)                          # fresh now: no second refresh
        assert len(calls) == 1


@pytest.mark.devserver_only("forges a nearly expired session token with the server's signing keys")
def test_no_auto_refresh_when_turned_off(devserver: Any, target: Any) -> None:
    with target.client(auto_refresh_session=False) as client:
        session = _expiring_session(devserver, client, seconds_left=5)
        old_token = session.token
        client.get_account(session)
        assert session.token == old_token


@pytest.mark.devserver_only("forges a nearly expired session token with the server's signing keys")
def test_concurrent_callers_refresh_once(devserver: Any, target: Any) -> None:
    refreshed: list[Session] = []
    with target.client(on_session_refreshed=refreshed.append) as client:
        session = _expiring_session(devserver, client, seconds_left=5)
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait(5)
                client.get_account(session)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        assert errors == []
        assert len(refreshed) == 1
