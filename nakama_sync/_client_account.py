"""Client methods: authentication, links, session, account, users, RPC and health (a mixin of Client).

Every method blocks until the server answers and may be called from any thread.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import _decode, _wire
from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .models._base import Model, model
from .models.account import Account, Users
from .models.realtime import Rpc
from .session import Session

__all__ = ["_AccountApi"]

Vars = Mapping[str, str]


def _with_vars(body: dict[str, Any], vars: Vars | None) -> dict[str, Any]:
    if vars:
        body["vars"] = {str(k): str(v) for k, v in vars.items()}
    return body


def _game_center(player_id: str, bundle_id: str, timestamp_seconds: int, salt: str, signature: str,
                 public_key_url: str) -> dict[str, Any]:
    return {"player_id": player_id, "bundle_id": bundle_id, "timestamp_seconds": str(int(timestamp_seconds)),
            "salt": salt, "signature": signature, "public_key_url": public_key_url}


def _rpc_text(payload: Any) -> str:
    """An RPC payload as the text the server function receives: str as is, other values as JSON."""
    if payload is None:
        return ""
    if isinstance(payload, bytes):
        return payload.decode("utf-8")
    return _wire.json_text(payload)


@model
class _SessionReply(Model):
    """The reply to an authenticate call (``api.Session``)."""
    token: str = ""
    refresh_token: str = ""
    created: bool = False


def _session_from(reply: dict[str, Any]) -> Session:
    """The Session of an authenticate reply (strict: DecodeError when a field has the wrong type)."""
    fields = _SessionReply.from_wire(reply)
    return Session(fields.token, fields.refresh_token, fields.created)


def _rpc_from(id: str, reply: dict[str, Any]) -> Rpc:
    """The Rpc of an RPC reply: its ``payload`` text ('' when absent)."""
    payload = reply.get("payload")
    return Rpc(id=id, payload="" if payload is None else _decode.text(payload))


class _AccountApi(_ClientBase):
    # ---- authenticate ---------------------------------------------------------------------
    def _authenticate(self, kind: str, body: dict[str, Any], create: bool, username: str | None,
                      vars: Vars | None, extra: Mapping[str, Any] | None = None) -> Session:
        query: dict[str, Any] = {"create": create, "username": username or None}
        if extra:
            query.update(extra)
        # Like every POST, not retried: it may create an account.
        reply = self._call("POST", f"/v2/account/authenticate/{kind}", basic_auth=True, query=query,
                           body=_with_vars(body, vars))
        return _session_from(reply)

    @checked
    def authenticate_device(self, id: str, create: bool = True, username: str | None = None,
                            vars: Vars | None = None) -> Session:
        """Sign in with a device id (10-128 bytes), creating the account unless ``create=False``.

        Example: ``session = client.authenticate_device(str(uuid.uuid4()), username="alice")``. Any thread.
        """
        return self._authenticate("device", {"id": id}, create, username, vars)
    authenticate_device_nowait = nowait(authenticate_device)

    @checked
    def authenticate_email(self, email: str, password: str, create: bool = True, username: str | None = None,
                           vars: Vars | None = None) -> Session:
        """Sign in with an email and password (8+ characters). With ``email=""`` and a ``username`` it
        signs in by username and password (an existing account only).

        Example: ``session = client.authenticate_email("a@example.com", "password1234")``. Any thread.
        """
        return self._authenticate("email", {"email": email, "password": password}, create, username, vars)
    authenticate_email_nowait = nowait(authenticate_email)

    @checked
    def authenticate_custom(self, id: str, create: bool = True, username: str | None = None,
                            vars: Vars | None = None) -> Session:
        """Sign in with your own id (6-128 bytes), e.g. from your game's account system.

        Example: ``session = client.authenticate_custom("my-system-user-42")``. Any thread.
        """
        return self._authenticate("custom", {"id": id}, create, username, vars)
    authenticate_custom_nowait = nowait(authenticate_custom)

    @checked
    def authenticate_apple(self, token: str, create: bool = True, username: str | None = None,
                           vars: Vars | None = None) -> Session:
        """Sign in with an Apple identity token (the server must be configured for Apple).

        Example: ``session = client.authenticate_apple(apple_id_token)``. Any thread.
        """
        return self._authenticate("apple", {"token": token}, create, username, vars)
    authenticate_apple_nowait = nowait(authenticate_apple)

    @checked
    def authenticate_facebook(self, token: str, create: bool = True, username: str | None = None,
                              vars: Vars | None = None, *, sync: bool | None = None) -> Session:
        """Sign in with a Facebook access token; ``sync=True`` also imports the Facebook friends.

        Example: ``session = client.authenticate_facebook(fb_token, sync=True)``. Any thread.
        """
        return self._authenticate("facebook", {"token": token}, create, username, vars, {"sync": sync})
    authenticate_facebook_nowait = nowait(authenticate_facebook)

    @checked
    def authenticate_facebook_instant_game(self, signed_player_info: str, create: bool = True,
                                           username: str | None = None, vars: Vars | None = None) -> Session:
        """Sign in with Facebook Instant Games' signed player info.

        Example: ``session = client.authenticate_facebook_instant_game(signed_info)``. Any thread.
        """
        return self._authenticate("facebookinstantgame", {"signed_player_info": signed_player_info}, create,
                                  username, vars)
    authenticate_facebook_instant_game_nowait = nowait(authenticate_facebook_instant_game)

    @checked
    def authenticate_game_center(self, player_id: str, bundle_id: str, timestamp_seconds: int, salt: str,
                                 signature: str, public_key_url: str, create: bool = True,
                                 username: str | None = None, vars: Vars | None = None) -> Session:
        """Sign in with Apple Game Center's identity verification data.

        Example: ``client.authenticate_game_center(pid, bundle, ts, salt, sig, url)``. Any thread.
        """
        body = _game_center(player_id, bundle_id, timestamp_seconds, salt, signature, public_key_url)
        return self._authenticate("gamecenter", body, create, username, vars)
    authenticate_game_center_nowait = nowait(authenticate_game_center)

    @checked
    def authenticate_google(self, token: str, create: bool = True, username: str | None = None,
                            vars: Vars | None = None) -> Session:
        """Sign in with a Google ID token (the server must be configured for Google).

        Example: ``session = client.authenticate_google(google_id_token)``. Any thread.
        """
        return self._authenticate("google", {"token": token}, create, username, vars)
    authenticate_google_nowait = nowait(authenticate_google)

    @checked
    def authenticate_steam(self, token: str, create: bool = True, username: str | None = None,
                           vars: Vars | None = None, *, sync: bool | None = None) -> Session:
        """Sign in with a Steam session ticket; ``sync=True`` also imports the Steam friends.

        Example: ``session = client.authenticate_steam(ticket)``. Any thread.
        """
        return self._authenticate("steam", {"token": token}, create, username, vars, {"sync": sync})
    authenticate_steam_nowait = nowait(authenticate_steam)

    # ---- link / unlink --------------------------------------------------------------------
    def _link(self, action: str, kind: str, session: Session, body: dict[str, Any],
              query: Mapping[str, Any] | None = None) -> None:
        self._call("POST", f"/v2/account/{action}/{kind}", session, query=query, body=body)

    @checked
    def link_device(self, session: Session, id: str) -> None:
        """Add a device id to the signed-in account. Example: ``client.link_device(session, dev_id)``.
        Any thread."""
        self._link("link", "device", session, {"id": id})
    link_device_nowait = nowait(link_device)

    @checked
    def unlink_device(self, session: Session, id: str) -> None:
        """Remove a device id from the account. Example: ``client.unlink_device(session, dev_id)``.
        Any thread."""
        self._link("unlink", "device", session, {"id": id})
    unlink_device_nowait = nowait(unlink_device)

    @checked
    def link_email(self, session: Session, email: str, password: str) -> None:
        """Add an email and password to the account. Example: ``client.link_email(s, "a@b.cd", "pw123456")``.
        Any thread."""
        self._link("link", "email", session, {"email": email, "password": password})
    link_email_nowait = nowait(link_email)

    @checked
    def unlink_email(self, session: Session, email: str, password: str) -> None:
        """Remove the email from the account. Example: ``client.unlink_email(s, "a@b.cd", "pw123456")``.
        Any thread."""
        self._link("unlink", "email", session, {"email": email, "password": password})
    unlink_email_nowait = nowait(unlink_email)

    @checked
    def link_custom(self, session: Session, id: str) -> None:
        """Add a custom id to the account. Example: ``client.link_custom(session, "my-id-42")``. Any thread."""
        self._link("link", "custom", session, {"id": id})
    link_custom_nowait = nowait(link_custom)

    @checked
    def unlink_custom(self, session: Session, id: str) -> None:
        """Remove the custom id. Example: ``client.unlink_custom(session, "my-id-42")``. Any thread."""
        self._link("unlink", "custom", session, {"id": id})
    unlink_custom_nowait = nowait(unlink_custom)

    @checked
    def link_apple(self, session: Session, token: str) -> None:
        """Link an Apple id. Example: ``client.link_apple(session, apple_id_token)``. Any thread."""
        self._link("link", "apple", session, {"token": token})
    link_apple_nowait = nowait(link_apple)

    @checked
    def unlink_apple(self, session: Session, token: str) -> None:
        """Unlink the Apple id. Example: ``client.unlink_apple(session, apple_id_token)``. Any thread."""
        self._link("unlink", "apple", session, {"token": token})
    unlink_apple_nowait = nowait(unlink_apple)

    @checked
    def link_facebook(self, session: Session, token: str, *, sync: bool | None = None) -> None:
        """Link a Facebook account (``sync`` imports friends). Example: ``client.link_facebook(s, fb_token)``.
        Any thread."""
        self._link("link", "facebook", session, {"token": token}, {"sync": sync})
    link_facebook_nowait = nowait(link_facebook)

    @checked
    def unlink_facebook(self, session: Session, token: str) -> None:
        """Unlink Facebook. Example: ``client.unlink_facebook(session, fb_token)``. Any thread."""
        self._link("unlink", "facebook", session, {"token": token})
    unlink_facebook_nowait = nowait(unlink_facebook)

    @checked
    def link_facebook_instant_game(self, session: Session, signed_player_info: str) -> None:
        """Link Facebook Instant Games. Example: ``client.link_facebook_instant_game(s, info)``. Any thread."""
        self._link("link", "facebookinstantgame", session, {"signed_player_info": signed_player_info})
    link_facebook_instant_game_nowait = nowait(link_facebook_instant_game)

    @checked
    def unlink_facebook_instant_game(self, session: Session, signed_player_info: str) -> None:
        """Unlink Facebook Instant Games. Example: ``client.unlink_facebook_instant_game(s, info)``.
        Any thread."""
        self._link("unlink", "facebookinstantgame", session, {"signed_player_info": signed_player_info})
    unlink_facebook_instant_game_nowait = nowait(unlink_facebook_instant_game)

    @checked
    def link_game_center(self, session: Session, player_id: str, bundle_id: str, timestamp_seconds: int,
                         salt: str, signature: str, public_key_url: str) -> None:
        """Link Game Center. Example: ``client.link_game_center(s, pid, bundle, ts, salt, sig, url)``.
        Any thread."""
        self._link("link", "gamecenter", session,
                   _game_center(player_id, bundle_id, timestamp_seconds, salt, signature, public_key_url))
    link_game_center_nowait = nowait(link_game_center)

    @checked
    def unlink_game_center(self, session: Session, player_id: str, bundle_id: str, timestamp_seconds: int,
                           salt: str, signature: str, public_key_url: str) -> None:
        """Unlink Game Center. Example: ``client.unlink_game_center(s, pid, bundle, ts, salt, sig, url)``.
        Any thread."""
        self._link("unlink", "gamecenter", session,
                   _game_center(player_id, bundle_id, timestamp_seconds, salt, signature, public_key_url))
    unlink_game_center_nowait = nowait(unlink_game_center)

    @checked
    def link_google(self, session: Session, token: str) -> None:
        """Link Google. Example: ``client.link_google(session, google_id_token)``. Any thread."""
        self._link("link", "google", session, {"token": token})
    link_google_nowait = nowait(link_google)

    @checked
    def unlink_google(self, session: Session, token: str) -> None:
        """Unlink Google. Example: ``client.unlink_google(session, google_id_token)``. Any thread."""
        self._link("unlink", "google", session, {"token": token})
    unlink_google_nowait = nowait(unlink_google)

    @checked
    def link_steam(self, session: Session, token: str, *, sync: bool = False) -> None:
        """Link Steam (``sync`` imports friends). Example: ``client.link_steam(session, ticket)``. Any thread."""
        self._link("link", "steam", session, {"account": {"token": token}, "sync": bool(sync)})
    link_steam_nowait = nowait(link_steam)

    @checked
    def unlink_steam(self, session: Session, token: str) -> None:
        """Unlink Steam. Example: ``client.unlink_steam(session, ticket)``. Any thread."""
        self._link("unlink", "steam", session, {"token": token})
    unlink_steam_nowait = nowait(unlink_steam)

    # ---- session --------------------------------------------------------------------------
    @checked
    def session_refresh(self, session: Session, vars: Vars | None = None) -> Session:
        """Get new tokens for ``session`` and put them into it (in place); returns the same object.
        ``vars`` replaces the session variables (``None`` keeps them). Raises SessionError when the
        refresh token has expired (nothing is sent), ApiError 401 when the server refuses it.

        Example: ``client.session_refresh(session)``. Any thread (refreshes of a session are serialised).
        """
        with session.refresh_lock:
            self._refresh_in_place(session, vars)  # type: ignore[attr-defined]
        return session
    session_refresh_nowait = nowait(session_refresh)

    @checked
    def session_logout(self, session: Session) -> None:
        """Revoke the session's token and refresh token on the server (and every token of its chain).

        Example: ``client.session_logout(session)``. Any thread.
        """
        self._call("POST", "/v2/session/logout", session,
                   body={"token": session.token, "refresh_token": session.refresh_token})
    session_logout_nowait = nowait(session_logout)

    # ---- account and users ----------------------------------------------------------------
    @checked
    def get_account(self, session: Session) -> Account:
        """The signed-in user's account. Example: ``client.get_account(session).user.username``. Any thread."""
        return Account.from_wire(self._call("GET", "/v2/account", session))
    get_account_nowait = nowait(get_account)

    @checked
    def update_account(self, session: Session, username: str | None = None, display_name: str | None = None,
                       avatar_url: str | None = None, lang_tag: str | None = None, location: str | None = None,
                       timezone: str | None = None) -> None:
        """Change the given profile fields (the others are left as they are). A taken username raises
        ApiError (400).

        Example: ``client.update_account(session, display_name="Alice")``. Any thread.
        """
        fields = {"username": username, "display_name": display_name, "avatar_url": avatar_url,
                  "lang_tag": lang_tag, "location": location, "timezone": timezone}
        body = {key: value for key, value in fields.items() if value is not None}
        self._call("PUT", "/v2/account", session, body=body)
    update_account_nowait = nowait(update_account)

    @checked
    def delete_account(self, session: Session) -> None:
        """Delete the signed-in user's account; its tokens stop working.

        Example: ``client.delete_account(session)``. Any thread.
        """
        self._call("DELETE", "/v2/account", session)
    delete_account_nowait = nowait(delete_account)

    @checked
    def get_users(self, session: Session, ids: Sequence[str] | None = None, usernames: Sequence[str] | None = None,
                  facebook_ids: Sequence[str] | None = None) -> Users:
        """Users by id, username or Facebook id (in no particular order; unknown ones are left out).

        Example: ``client.get_users(session, usernames=["alice", "bob"]).users``. Any thread.
        """
        query = {"ids": list(ids or ()), "usernames": list(usernames or ()),
                 "facebook_ids": list(facebook_ids or ())}
        return Users.from_wire(self._call("GET", "/v2/user", session, query=query))
    get_users_nowait = nowait(get_users)

    # ---- RPC and health -------------------------------------------------------------------
    @checked
    def rpc(self, session: Session, id: str, payload: Any = None) -> Rpc:
        """Call the server function ``id`` as the signed-in user. ``payload`` is text passed as it is, or
        any JSON value (encoded); the reply's ``payload`` is the function's text.
        Not retried (an RPC may not be idempotent).

        Example: ``json.loads(client.rpc(session, "echo", {"x": 1}).payload)``. Any thread.
        """
        reply = self._call("POST", f"/v2/rpc/{_quote(id)}", session, body=_rpc_text(payload))
        return _rpc_from(id, reply)
    rpc_nowait = nowait(rpc)

    @checked
    def rpc_http_key(self, http_key: str, id: str, payload: Any = None) -> Rpc:
        """Call the server function ``id`` with the server's HTTP key, without a user (server to server).
        The key is sent in an Authorization header, never in the URL.

        Example: ``client.rpc_http_key("defaulthttpkey", "echo", "hi").payload``. Any thread.
        """
        transport = self._transport  # type: ignore[attr-defined]
        reply = transport.request("POST", f"/v2/rpc/{_quote(id)}", body=_rpc_text(payload),
                                  authorization=self._basic(http_key), retry=False)  # type: ignore[attr-defined]
        return _rpc_from(id, reply)
    rpc_http_key_nowait = nowait(rpc_http_key)

    @checked
    def healthcheck(self, session: Session | None = None) -> None:
        """Check that the server answers; raises TransportError, HttpTimeout or ApiError if not.

        Example: ``client.healthcheck(session)``. Any thread.
        """
        self._call("GET", "/healthcheck", session)
    healthcheck_nowait = nowait(healthcheck)
