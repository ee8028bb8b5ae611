"""Authentication, refresh and logout against the target server (dev server or a real Nakama)."""
from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ApiError, Session

from .conftest import calls_provider, unique


def assert_api_error(exc: pytest.ExceptionInfo[ApiError], status: int, grpc: int, message: str | None = None) -> None:
    assert (exc.value.status_code, exc.value.grpc_code) == (status, grpc), exc.value
    if message is not None:
        assert exc.value.message == message


def test_device_create_then_login(client: nakama_sync.Client) -> None:
    device = unique("device")
    first = client.authenticate_device(device)
    assert first.created is True
    assert re.fullmatch(r"[A-Za-z]{10}", first.username)       # a random 10-letter username
    again = client.authenticate_device(device, username="ignored-when-existing")
    assert again.created is False
    assert (again.user_id, again.username) == (first.user_id, first.username)


def test_create_false_for_unknown_device(client: nakama_sync.Client) -> None:
    with pytest.raises(ApiError) as exc:
        client.authenticate_device(unique("device"), create=False)
    assert_api_error(exc, 404, 5, "User account not found.")


@pytest.mark.parametrize("device_id, message", [
    ("abc", "Device ID invalid, must be 10-128 bytes."),
    ("x" * 129, "Device ID invalid, must be 10-128 bytes."),
    ("has a space in it", "Device ID invalid, no spaces or control characters allowed."),
])
def test_device_ids_the_server_rejects(client: nakama_sync.Client, device_id: str, message: str) -> None:
    with pytest.raises(ApiError) as exc:
        client.authenticate_device(device_id)
    assert_api_error(exc, 400, 3, message)
    client.healthcheck()                                          # the client is still usable


def test_custom_id(client: nakama_sync.Client) -> None:
    custom = unique("custom")
    session = client.authenticate_custom(custom, username=unique("cu"))
    assert session.created
    assert client.authenticate_custom(custom).user_id == session.user_id
    with pytest.raises(ApiError) as exc:
        client.authenticate_custom("abc")
    assert_api_error(exc, 400, 3, "Custom ID invalid, must be 6-128 bytes.")


def test_email_password_and_username_login(client: nakama_sync.Client) -> None:
    username = unique("em")
    email = f"{username}@Example.com"
    session = client.authenticate_email(email, "password1234", username=username)
    assert session.created
    assert client.authenticate_email(email.lower(), "password1234", create=False).user_id == session.user_id
    by_name = client.authenticate_email("", "password1234", username=username)
    assert by_name.user_id == session.user_id
    with pytest.raises(ApiError) as exc:
        client.authenticate_email(email, "wrong-password", create=False)
    assert_api_error(exc, 401, 16, "Invalid credentials.")
    with pytest.raises(ApiError) as exc:
        client.authenticate_email(f"{unique('em')}@example.com", "short")
    assert_api_error(exc, 400, 3, "Password must be at least 8 characters long.")
    with pytest.raises(ApiError) as exc:
        client.authenticate_email("not-an-email-address", "password1234")
    assert_api_error(exc, 400, 3, "Invalid email address format.")


def test_username_taken_on_authenticate_is_409(client: nakama_sync.Client) -> None:
    username = unique("taken")
    client.authenticate_device(unique("device"), username=username)
    with pytest.raises(ApiError) as exc:
        client.authenticate_device(unique("device"), username=username)
    assert_api_error(exc, 409, 6, "Username is already in use.")


def test_unicode_username(client: nakama_sync.Client) -> None:
    username = "игрок-" + unique("ü")[-8:] + "-🎮"
    session = client.authenticate_device(unique("device"), username=username)
    assert session.username == username
    assert client.get_account(session).user.username == username


def test_very_long_usernames(client: nakama_sync.Client) -> None:
    fits = unique("l") + "x" * (128 - len(unique("l")))            # exactly 128 bytes
    assert client.authenticate_device(unique("device"), username=fits).username == fits
    with pytest.raises(ApiError) as exc:
        client.authenticate_device(unique("device"), username="é" * 65)   # 130 bytes
    assert_api_error(exc, 400, 3, "Username invalid, must be 1-128 bytes.")
    spaced = unique("two words")                                   # Nakama allows spaces...
    assert client.authenticate_device(unique("device"), username=spaced).username == spaced
    for bad in (unique("tab\t"), unique("nul\x00"), unique("x[]")):  # ...not control characters, nor "[]"
        with pytest.raises(ApiError) as exc:
            client.authenticate_device(unique("device"), username=bad)
        assert_api_error(exc, 400, 3, "Username invalid, no spaces or control characters allowed.")


def test_vars_reach_the_token(client: nakama_sync.Client) -> None:
    session = client.authenticate_device(unique("device"), vars={"platform": "test", "build": "42"})
    assert session.vars == {"platform": "test", "build": "42"}


def test_wrong_server_key_is_401(target: Any) -> None:
    with nakama_sync.Client(server_key="wrongkey", host=target.host, port=target.port, ssl=target.ssl) as bad:
        with pytest.raises(ApiError) as exc:
            bad.authenticate_device(unique("device"))
        assert_api_error(exc, 401, 16, "Server key invalid")
        with pytest.raises(ApiError):
            bad.authenticate_device(unique("device"))             # still usable, still refused


@pytest.mark.parametrize("call", [
    lambda c: c.authenticate_apple("apple-token"),
    pytest.param(lambda c: c.authenticate_facebook("facebook-token"), marks=calls_provider),
    lambda c: c.authenticate_facebook_instant_game("signed.info"),
    lambda c: c.authenticate_game_center("player", "bundle", 1700000000, "salt", "sig", "https://x/key"),
    pytest.param(lambda c: c.authenticate_google("google-token"), marks=calls_provider),
    lambda c: c.authenticate_steam("steam-ticket"),
])
def test_social_providers_refuse_when_unconfigured(client: nakama_sync.Client, call: Any) -> None:
    with pytest.raises(ApiError) as exc:
        call(client)
    # Facebook Instant Game: Nakama cannot verify the signed player info without an app secret and
    # answers DataLoss (HTTP 500); the others refuse with 400/401.
    assert (exc.value.status_code, exc.value.grpc_code) in {(400, 3), (400, 9), (401, 16), (500, 15)}
    assert exc.value.message


def test_social_required_credentials(client: nakama_sync.Client) -> None:
    with pytest.raises(ApiError) as exc:
        client.authenticate_google("")
    assert_api_error(exc, 400, 3, "Google access token is required.")
    with pytest.raises(ApiError) as exc:
        client.authenticate_game_center("player", "", 1, "salt", "sig", "https://x/key")
    assert_api_error(exc, 400, 3, "GameCenter bundle ID is required.")


def test_refresh_gives_new_tokens_same_user(client: nakama_sync.Client) -> None:
    session = client.authenticate_device(unique("device"), vars={"v": "1"})
    old_exp = session.expire_time
    client.session_refresh(session)
    assert session.expire_time >= old_exp
    assert session.vars == {"v": "1"}                             # kept when vars is None
    assert client.get_account(session).user.id == session.user_id


def test_refresh_with_garbage_token_is_401(client: nakama_sync.Client) -> None:
    with pytest.raises(ApiError) as exc:
        client._call("POST", "/v2/account/session/refresh", basic_auth=True, body={"token": "not-a-token"})
    assert_api_error(exc, 401, 16, "Refresh token invalid or expired.")


def test_logout_revokes_the_chain(client: nakama_sync.Client) -> None:
    session = client.authenticate_device(unique("device"))
    original = Session.restore(session.token, session.refresh_token)
    client.session_refresh(session)
    client.session_logout(session)
    for dead in (session, original):
        with pytest.raises(ApiError) as exc:
            client.get_account(dead)
        assert_api_error(exc, 401, 16, "Auth token invalid")
    with pytest.raises(ApiError) as exc:
        client.session_refresh(session)
    assert_api_error(exc, 401, 16, "Refresh token invalid or expired.")


def _next_second_after(session: Session) -> None:
    """Wait (bounded) until the wall clock is past the second ``session`` was issued in.

    Nakama's logout-everywhere kills the tokens issued *before* the current second; one issued in the
    same second survives it (its session cache keeps whole seconds; the dev server kills it too).
    """
    issued = session.create_time  # claim iat: a fresh login's issue second
    assert issued
    deadline = time.monotonic() + 3.0
    while int(time.time()) <= issued:
        assert time.monotonic() < deadline, "the clock did not move on"
        threading.Event().wait(0.02)  # polls the clock: the condition is time itself


def test_logout_everywhere_with_empty_body(client: nakama_sync.Client) -> None:
    device = unique("device")
    first = client.authenticate_device(device)
    second = client.authenticate_device(device)
    _next_second_after(second)
    client._call("POST", "/v2/session/logout", first, body={})
    for dead in (first, second):
        with pytest.raises(ApiError) as exc:
            client.get_account(dead)
        assert_api_error(exc, 401, 16)
    third = client.authenticate_device(device)                   # a new login works again
    assert client.get_account(third).user.id == first.user_id


def test_logout_with_another_users_token_is_400(client: nakama_sync.Client) -> None:
    alice = client.authenticate_device(unique("device"))
    bob = client.authenticate_device(unique("device"))
    with pytest.raises(ApiError) as exc:
        client._call("POST", "/v2/session/logout", alice, body={"token": bob.token})
    assert_api_error(exc, 400, 3, "Session token invalid.")
    assert client.get_account(bob).user.id == bob.user_id
