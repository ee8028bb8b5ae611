"""Account get/update/delete, users, link and unlink, against the target server."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest

import nakama_sync
from nakama_sync import Account, ApiError, Session, Users

from .conftest import calls_provider, unique


def test_get_account(client: nakama_sync.Client) -> None:
    device = unique("device")
    username = unique("acct")
    session = client.authenticate_device(device, username=username)
    account = client.get_account(session)
    assert isinstance(account, Account)
    assert account.user.id == session.user_id
    assert account.user.username == username
    assert account.user.lang_tag == "en"
    assert account.user.metadata == {} and account.wallet == {}
    assert isinstance(account.user.create_time, datetime) and account.user.create_time.tzinfo is not None
    assert [d.id for d in account.devices] == [device]
    assert account.email == "" and account.custom_id == ""
    assert account.user.online is False


def test_update_account_changes_only_given_fields(client: nakama_sync.Client,
                                                  new_session: Callable[..., Session]) -> None:
    session = new_session()
    client.update_account(session, display_name="Player A", avatar_url="https://example.com/a.png",
                          lang_tag="fr", location="Earth", timezone="UTC")
    client.update_account(session, display_name="Player A2")
    user = client.get_account(session).user
    assert (user.display_name, user.avatar_url, user.lang_tag, user.location, user.timezone) == (
        "Player A2", "https://example.com/a.png", "fr", "Earth", "UTC")
    new_name = unique("renamed")
    client.update_account(session, username=new_name)
    assert client.get_account(session).user.username == new_name


def test_update_to_a_taken_username_is_400(client: nakama_sync.Client,
                                           new_session: Callable[..., Session]) -> None:
    taken = unique("taken")
    new_session(username=taken)
    session = new_session()
    with pytest.raises(ApiError) as exc:
        client.update_account(session, username=taken)
    assert (exc.value.status_code, exc.value.grpc_code) == (400, 3)
    assert exc.value.message == "rpc error: code = AlreadyExists desc = Username is already in use."
    assert client.get_account(session).user.username != taken


def test_get_users_by_ids_and_usernames(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    a, b, c = new_session(), new_session(), new_session()
    users = client.get_users(a, ids=[a.user_id, b.user_id], usernames=[c.username])
    assert isinstance(users, Users)
    assert {u.id for u in users.users} == {a.user_id, b.user_id, c.user_id}   # any order
    assert client.get_users(a, ids=[str(uuid.uuid4())]).users == []
    assert client.get_users(a).users == []
    assert client.get_users(a, facebook_ids=["no-such-facebook-id"]).users == []


def test_get_users_with_an_invalid_id_is_400(client: nakama_sync.Client,
                                             new_session: Callable[..., Session]) -> None:
    session = new_session()
    with pytest.raises(ApiError) as exc:
        client.get_users(session, ids=["not-a-uuid"])
    assert (exc.value.status_code, exc.value.grpc_code) == (400, 3)
    assert exc.value.message == "ID 'not-a-uuid' is not a valid system ID."


def test_link_and_unlink_device(client: nakama_sync.Client) -> None:
    first = unique("device")
    session = client.authenticate_device(first)
    second = unique("device")
    client.link_device(session, second)
    assert {d.id for d in client.get_account(session).devices} == {first, second}
    assert client.authenticate_device(second, create=False).user_id == session.user_id
    client.unlink_device(session, first)
    assert [d.id for d in client.get_account(session).devices] == [second]
    with pytest.raises(ApiError) as exc:                         # the last identifier stays
        client.unlink_device(session, second)
    assert (exc.value.status_code, exc.value.grpc_code) == (403, 7)


def test_link_a_device_of_another_user_is_409(client: nakama_sync.Client) -> None:
    other_device = unique("device")
    client.authenticate_device(other_device)
    session = client.authenticate_device(unique("device"))
    with pytest.raises(ApiError) as exc:
        client.link_device(session, other_device)
    assert (exc.value.status_code, exc.value.grpc_code) == (409, 6)


def test_link_and_unlink_custom_and_email(client: nakama_sync.Client) -> None:
    session = client.authenticate_device(unique("device"))
    custom = unique("custom")
    email = f"{unique('mail')}@example.com"
    client.link_custom(session, custom)
    client.link_email(session, email, "password1234")
    account = client.get_account(session)
    assert (account.custom_id, account.email) == (custom, email)
    assert client.authenticate_custom(custom, create=False).user_id == session.user_id
    assert client.authenticate_email(email, "password1234", create=False).user_id == session.user_id
    client.unlink_custom(session, custom)
    client.unlink_email(session, email, "password1234")
    account = client.get_account(session)
    assert (account.custom_id, account.email) == ("", "")


def test_link_with_bad_input(client: nakama_sync.Client, new_session: Callable[..., Session]) -> None:
    session = new_session()
    with pytest.raises(ApiError) as exc:
        client.link_custom(session, "abc")
    assert (exc.value.status_code, exc.value.grpc_code) == (400, 3)
    with pytest.raises(ApiError) as exc:
        client.link_email(session, "a@b", "password1234")
    assert (exc.value.status_code, exc.value.grpc_code) == (400, 3)


@pytest.mark.parametrize("call", [
    lambda c, s: c.link_apple(s, "apple-token"),
    lambda c, s: c.unlink_apple(s, "apple-token"),
    pytest.param(lambda c, s: c.link_facebook(s, "facebook-token"), marks=calls_provider),
    pytest.param(lambda c, s: c.unlink_facebook(s, "facebook-token"), marks=calls_provider),
    lambda c, s: c.link_facebook_instant_game(s, "signed.info"),
    lambda c, s: c.unlink_facebook_instant_game(s, "signed.info"),
    lambda c, s: c.link_game_center(s, "player", "bundle", 1700000000, "salt", "sig", "https://x/key"),
    lambda c, s: c.unlink_game_center(s, "player", "bundle", 1700000000, "salt", "sig", "https://x/key"),
    pytest.param(lambda c, s: c.link_google(s, "google-token"), marks=calls_provider),
    pytest.param(lambda c, s: c.unlink_google(s, "google-token"), marks=calls_provider),
    lambda c, s: c.link_steam(s, "steam-ticket"),
    pytest.param(lambda c, s: c.unlink_steam(s, "steam-ticket"), marks=calls_provider),
])
def test_social_links_refuse_when_unconfigured(client: nakama_sync.Client, new_session: Callable[..., Session],
                                               call: Callable[..., None]) -> None:
    session = new_session()
    with pytest.raises(ApiError) as exc:
        call(client, session)
    assert exc.value.status_code in (400, 401, 403)
    assert client.get_account(session).user.id == session.user_id


def test_delete_account(client: nakama_sync.Client) -> None:
    device = unique("device")
    session = client.authenticate_device(device)
    client.delete_account(session)
    with pytest.raises(ApiError) as exc:
        client.get_account(session)
    assert exc.value.status_code in (401, 404)
    with pytest.raises(ApiError) as exc:
        client.authenticate_device(device, create=False)
    assert (exc.value.status_code, exc.value.grpc_code) == (404, 5)


def test_no_token_and_garbage_token(client: nakama_sync.Client) -> None:
    with pytest.raises(ApiError) as exc:
        client._call("GET", "/v2/account")
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == (401, 16, "Auth token required")
    with pytest.raises(nakama_sync.SessionError):
        client.get_account(Session.restore("garbage.token.value", ""))


def test_healthcheck(client: nakama_sync.Client) -> None:
    assert client.healthcheck() is None
