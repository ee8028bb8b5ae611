"""A 2xx reply whose shape is wrong is an ApiError naming the field, never a made-up value.

Nakama's HTTP replies are protojson objects; the client reads them with the same strict readers as the
socket (``nakama_sync._decode``). Each case here is a raw loopback server answering with a fixed body.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import nakama_sync
from nakama_sync import (
    Account,
    ApiError,
    DecodeError,
    FriendList,
    FriendState,
    NakamaError,
    RetryConfig,
    Session,
    User,
)

from ._raw_http import FixedReplyServer
from .test_session import claims, fake_token

ONE_TRY = RetryConfig(max_attempts=1)


def _session() -> Session:
    now = int(time.time())
    return Session(fake_token(claims(now + 3600, now)), fake_token(claims(now + 7200, now)))


def _reply(body: bytes, call: Callable[[nakama_sync.Client], Any]) -> Any:
    """What ``call`` returns (or raises) against a server answering ``200 body`` to everything."""
    with FixedReplyServer(body) as server:
        client = nakama_sync.Client(port=server.port, retries=ONE_TRY, timeout=5)
        try:
            return call(client)
        finally:
            client.close()


@pytest.mark.parametrize(("body", "says"), [
    (b'[1, 2]', "not a JSON object"),
    (b'"text"', "not a JSON object"),
    (b'{"user": "x"}', "Account.user: User: expected an object"),
    (b'{"wallet": 5}', "Account.wallet: expected JSON text in a string"),
    (b'{"user": {"create_time": "garbage"}}', "User.create_time: invalid time"),
    (b'{"user": {"edge_count": "abc"}}', "User.edge_count: expected a 64-bit integer"),
    (b'{"user": {"edge_count": 1.5}}', "User.edge_count: expected a 64-bit integer"),
    (b'{"user": {"id": 5}}', "User.id: expected a string"),
    (b'{"user": {"online": "yes"}}', "User.online: expected true/false"),
    (b'{"devices": {"a": 1}}', "Account.devices: expected a list"),
    (b'{"devices": [{"id": "a"}, {"id": 3}]}', "Account.devices: [1]: AccountDevice.id: expected a string"),
])
def test_a_malformed_account_reply_is_an_api_error_naming_the_field(body: bytes, says: str) -> None:
    with pytest.raises(ApiError, match="get_account|not a JSON object") as caught:
        _reply(body, lambda client: client.get_account(_session()))
    assert says in caught.value.message
    assert caught.value.status_code == 200


def test_the_nowait_form_fails_the_same_way() -> None:
    def call(client: nakama_sync.Client) -> BaseException | None:
        return client.get_account_nowait(_session()).exception(timeout=10)
    error = _reply(b'{"user": {"edge_count": "abc"}}', call)
    assert isinstance(error, ApiError) and "User.edge_count" in error.message
    assert isinstance(error.__cause__, DecodeError)


def test_a_well_formed_reply_still_reads() -> None:
    body = (b'{"user": {"id": "u1", "edge_count": "3", "online": true, "create_time": "2026-01-02T03:04:05Z",'
            b' "metadata": "{\\"a\\": 1}"}, "wallet": "{\\"gold\\": 5}", "devices": [{"id": "d1"}],'
            b' "some_future_field": [1, 2]}')
    account = _reply(body, lambda client: client.get_account(_session()))
    assert isinstance(account, Account) and isinstance(account.user, User)
    assert (account.user.id, account.user.edge_count, account.user.online) == ("u1", 3, True)
    assert account.user.metadata == {"a": 1} and account.wallet == {"gold": 5}
    assert account.user.create_time is not None and account.user.create_time.year == 2026
    assert [d.id for d in account.devices] == ["d1"]


def test_codes_become_enum_members_and_unknown_codes_stay_numbers() -> None:
    body = b'{"friends": [{"state": 0}, {"state": "2"}, {"state": 42}]}'
    friends = _reply(body, lambda client: client.list_friends(_session()))
    assert isinstance(friends, FriendList)
    states = [f.state for f in friends.friends]
    assert states == [FriendState.MUTUAL, FriendState.INVITE_RECEIVED, 42]
    assert isinstance(states[0], FriendState) and type(states[2]) is int


def test_a_code_that_is_not_a_number_is_an_api_error() -> None:
    with pytest.raises(ApiError, match=r"Friend\.state: expected a 64-bit integer"):
        _reply(b'{"friends": [{"state": "mutual"}]}', lambda client: client.list_friends(_session()))


@pytest.mark.parametrize(("body", "says"), [
    (b'{"token": 5}', "SessionReply.token: expected a string"),
    (b'{"token": "t", "created": "yes"}', "SessionReply.created: expected true/false"),
])
def test_a_malformed_authenticate_reply_is_an_api_error(body: bytes, says: str) -> None:
    with pytest.raises(ApiError, match="authenticate_custom") as caught:
        _reply(body, lambda client: client.authenticate_custom("custom-id-0001"))
    assert says in caught.value.message


def test_an_rpc_reply_payload_must_be_text() -> None:
    with pytest.raises(ApiError, match=r"rpc\(\): .*expected a string, got int 5"):
        _reply(b'{"payload": 5}', lambda client: client.rpc(_session(), "echo"))
    assert _reply(b'{}', lambda client: client.rpc(_session(), "echo")).payload == ""


def test_model_from_wire_is_strict_and_its_error_is_a_nakama_error() -> None:
    with pytest.raises(DecodeError, match=r"User\.edge_count") as caught:
        User.from_wire({"edge_count": [1]})
    assert isinstance(caught.value, NakamaError) and isinstance(caught.value, ValueError)
    assert User.from_wire(None) == User() == User.from_wire({})
