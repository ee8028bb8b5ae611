"""Accounts for the dev server: the ``accounts`` tables, authentication, session refresh and logout.

Sessions are HS256 JWTs as Nakama issues them (see ``Hub.issue_tokens``). Other modules use ``hub.accounts``
(an :class:`Accounts`): ``user_wire(row)`` gives a user's wire form, ``row(user_id)`` / ``rows_by_ids`` /
``rows_by_usernames`` read users, ``is_online`` may be replaced by the status module, and ``deleted_hooks``
are called with the user id when an account is deleted. Revocation (logout) is by token id (``tid``), kept
in SQLite. The profile, link and users routes are in ``_http_account_profile.py``.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import random
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import _jwt
from ._http import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    ApiFailure,
    ApiRequest,
)

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["Accounts", "check_id", "check_username", "install", "rfc3339", "social_credential_given"]

MIGRATIONS = [
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL DEFAULT '',
        avatar_url TEXT NOT NULL DEFAULT '',
        lang_tag TEXT NOT NULL DEFAULT 'en',
        location TEXT NOT NULL DEFAULT '',
        timezone TEXT NOT NULL DEFAULT '',
        metadata TEXT NOT NULL DEFAULT '{}',
        wallet TEXT NOT NULL DEFAULT '{}',
        email TEXT UNIQUE,
        password TEXT,
        custom_id TEXT UNIQUE,
        facebook_id TEXT UNIQUE,
        google_id TEXT UNIQUE,
        gamecenter_id TEXT UNIQUE,
        steam_id TEXT UNIQUE,
        apple_id TEXT UNIQUE,
        facebook_instant_game_id TEXT UNIQUE,
        edge_count INTEGER NOT NULL DEFAULT 0,
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL,
        verify_time INTEGER NOT NULL DEFAULT 0,
        disable_time INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE user_device (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
    );
    CREATE INDEX user_device_user ON user_device (user_id);
    CREATE TABLE session_token (
        tid TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        exp INTEGER NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX session_token_user ON session_token (user_id)
    """,
]

# Nakama: ids reject control characters and any whitespace; usernames reject control chars and spaces.
_INVALID_ID = re.compile(r"[\x00-\x1f\x7f\s]")
# Nakama's POSIX pattern "([[:cntrl:]]|[[\t\n\r\f\v]])+": control characters, or "[" / a whitespace
# control character followed by "]". Spaces are allowed.
_INVALID_USERNAME = re.compile(r"[\x00-\x1f\x7f]|\[\]")
_EMAIL = re.compile(r"^.+@.+\..+$", re.DOTALL)
_USERNAME_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# session_token.revoked bits: 1 every token of the id ("log out everywhere", and rows written before the
# two were told apart), 2 the session token, 4 the refresh token
_REVOKED_ALL, _REVOKED_SESSION, _REVOKED_REFRESH = 1, 2, 4
_PBKDF2_ROUNDS = 10_000   # a dev server: cheap enough for tests, still a real KDF

# The unconfigured answers of a default Nakama for the social providers: (code, message) for a
# non-empty credential. An empty credential gets the provider's "required" message first, except
# where the server checks its configuration before the input (apple, steam).
_DATA_LOSS = 15  # gRPC DataLoss (HTTP 500)
# where authenticating answers otherwise than linking: Nakama's authenticate path for a signed player info
# it cannot verify says DataLoss; link and unlink say Unauthenticated
_AUTH_UNCONFIGURED = {"facebookinstantgame": (_DATA_LOSS, "Error extracting the Facebook Instant Game player ID"
                                                          " or validating the signature")}
_SOCIAL = {
    "apple": ("token", "Apple ID token is required.",
              (FAILED_PRECONDITION, "Apple authentication is not configured."), True),
    "facebook": ("token", "Facebook access token is required.",
                 (UNAUTHENTICATED, "Could not authenticate Facebook profile."), False),
    "facebookinstantgame": ("signed_player_info", "Signed Player Info for a Facebook Instant Game is required.",
                            (UNAUTHENTICATED, "Could not authenticate Facebook Instant Game profile."), False),
    "gamecenter": ("player_id", "GameCenter access credentials are required.",
                   (UNAUTHENTICATED, "Could not authenticate GameCenter profile."), False),
    "google": ("token", "Google access token is required.",
               (UNAUTHENTICATED, "Could not authenticate Google profile."), False),
    "steam": ("token", "Steam access token is required.",
              (FAILED_PRECONDITION, "Steam authentication is not configured."), True),
}
_GAMECENTER_FIELDS = [("bundle_id", "GameCenter bundle ID is required."),
                      ("player_id", "GameCenter player ID is required."),
                      ("public_key_url", "GameCenter public key URL is required."),
                      ("salt", "GameCenter salt is required."),
                      ("signature", "GameCenter signature is required."),
                      ("timestamp_seconds", "GameCenter timestamp is required.")]


def rfc3339(ts: float) -> str:
    """Whole-second RFC 3339 UTC, as Nakama writes times read from its database."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def check_id(value: Any, label: str, low: int) -> str:
    """Validate a device/custom id as Nakama does; returns it."""
    if not isinstance(value, str) or value == "":
        raise ApiFailure(INVALID_ARGUMENT, f"{label} is required.")
    if _INVALID_ID.search(value):
        raise ApiFailure(INVALID_ARGUMENT, f"{label} invalid, no spaces or control characters allowed.")
    if not low <= _nbytes(value) <= 128:
        raise ApiFailure(INVALID_ARGUMENT, f"{label} invalid, must be {low}-128 bytes.")
    return value


def check_username(value: Any) -> str:
    """Validate a username given by a client (``""`` is handled by the caller)."""
    if not isinstance(value, str):
        raise ApiFailure(INVALID_ARGUMENT, "Username invalid, must be 1-128 bytes.")
    if _INVALID_USERNAME.search(value):
        raise ApiFailure(INVALID_ARGUMENT, "Username invalid, no spaces or control characters allowed.")
    if not 1 <= _nbytes(value) <= 128:
        raise ApiFailure(INVALID_ARGUMENT, "Username invalid, must be 1-128 bytes.")
    return value


def check_email(email: Any, password: Any, linking: bool = False) -> tuple[str, str]:
    """Validate an email and password; returns (lowercased email, password). Linking asks for the
    password's length before the address's format (and for a password at all), as Nakama does."""
    email = email if isinstance(email, str) else ""
    password = password if isinstance(password, str) else ""
    if not email or (linking and not password):
        raise ApiFailure(INVALID_ARGUMENT, "Email address and password is required.")
    if _INVALID_ID.search(email):
        raise ApiFailure(INVALID_ARGUMENT, "Invalid email address, no spaces or control characters allowed.")
    short = ApiFailure(INVALID_ARGUMENT, "Password must be at least 8 characters long.")
    if linking and len(password) < 8:
        raise short
    if not _EMAIL.match(email):
        raise ApiFailure(INVALID_ARGUMENT, "Invalid email address format.")
    if not 10 <= _nbytes(email) <= 255:
        raise ApiFailure(INVALID_ARGUMENT, "Invalid email address, must be 10-255 bytes.")
    if len(password) < 8:
        raise short
    return email.lower(), password


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        _, rounds, salt, digest = stored.split("$")
        actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)


def social_credential_given(provider: str, body: dict[str, Any]) -> bool:
    """True when ``body`` carries the provider's credential (for GameCenter: every one of its fields)."""
    if provider == "gamecenter":
        return all(body.get(name) not in (None, "", "0", 0) for name, _ in _GAMECENTER_FIELDS)
    return bool(body.get(_SOCIAL[provider][0]))


def social_failure(provider: str, body: dict[str, Any], authenticating: bool = False) -> ApiFailure:
    """What an unconfigured Nakama answers for a social provider (to link/unlink, or to authenticate)."""
    field, required, unconfigured, config_first = _SOCIAL[provider]
    if authenticating:
        unconfigured = _AUTH_UNCONFIGURED.get(provider, unconfigured)
    if config_first:
        return ApiFailure(*unconfigured)
    if provider == "gamecenter":
        for name, message in _GAMECENTER_FIELDS:
            if body.get(name) in (None, "", "0", 0):
                return ApiFailure(INVALID_ARGUMENT, message)
    elif not body.get(field):
        return ApiFailure(INVALID_ARGUMENT, required)
    return ApiFailure(*unconfigured)


class Accounts:
    """The accounts registry on ``hub.accounts`` (loop thread only)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.db = hub.db
        #: True while the user has a status presence (asks ``hub.status`` when the status module is in)
        self.is_online: Callable[[str], bool] = self._status_online
        #: called with the user id after an account is deleted (clean up your module's rows)
        self.deleted_hooks: list[Callable[[str], None]] = []

    def _status_online(self, user_id: str) -> bool:
        status = getattr(self.hub, "status", None)
        return bool(status is not None and status.is_online(user_id))

    # ---- reading users ------------------------------------------------------------------
    def row(self, user_id: str) -> sqlite3.Row | None:
        return self.db.one("SELECT * FROM users WHERE id = ?", (user_id,))

    def rows_by_ids(self, ids: list[str]) -> list[sqlite3.Row]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.db.all(f"SELECT * FROM users WHERE id IN ({marks})", ids)

    def rows_by_usernames(self, names: list[str]) -> list[sqlite3.Row]:
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return self.db.all(f"SELECT * FROM users WHERE username IN ({marks})", names)

    def user_wire(self, row: sqlite3.Row) -> dict[str, Any]:
        """A ``User`` as Nakama sends it: empty strings, false and 0 left out."""
        wire: dict[str, Any] = {"id": row["id"], "username": row["username"]}
        for key in ("display_name", "avatar_url", "lang_tag", "location", "timezone", "metadata",
                    "facebook_id", "google_id", "gamecenter_id", "steam_id"):
            if row[key]:
                wire[key] = row[key]
        if self.is_online(row["id"]):
            wire["online"] = True
        if row["edge_count"]:
            wire["edge_count"] = row["edge_count"]
        wire["create_time"] = rfc3339(row["create_time"])
        wire["update_time"] = rfc3339(row["update_time"])
        for key in ("facebook_instant_game_id", "apple_id"):
            if row[key]:
                wire[key] = row[key]
        return wire

    # ---- creating users -----------------------------------------------------------------
    def create_user(self, username: str, **columns: Any) -> str:
        """Insert a user; a taken username raises 409 ``Username is already in use.``."""
        user_id = str(uuid.uuid4())
        now = int(time.time())
        names = ["id", "username", "create_time", "update_time", *columns]
        values = [user_id, username, now, now, *columns.values()]
        try:
            self.db.execute(f"INSERT INTO users ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                            values)
        except sqlite3.IntegrityError as exc:
            if "users.username" in str(exc):
                raise ApiFailure(ALREADY_EXISTS, "Username is already in use.") from exc
            raise
        return user_id

    # ---- tokens -------------------------------------------------------------------------
    def session_reply(self, user_id: str, username: str, vars: dict[str, str] | None, created: bool,
                      token_id: str | None = None, issued_at: int | None = None) -> dict[str, Any]:
        tid = token_id or str(uuid.uuid4())
        token, refresh = self.hub.issue_tokens(user_id, username, vars, token_id=tid, issued_at=issued_at)
        exp = int(time.time()) + self.hub.config.refresh_token_expiry_sec
        now = int(time.time())
        self.db.execute("DELETE FROM session_token WHERE exp < ?", (now,))
        self.db.execute("INSERT INTO session_token (tid, user_id, exp) VALUES (?, ?, ?) "
                        "ON CONFLICT (tid) DO UPDATE SET exp = MAX(exp, excluded.exp)", (tid, user_id, exp))
        reply: dict[str, Any] = {"created": True} if created else {}
        reply["token"] = token
        reply["refresh_token"] = refresh
        return reply

    def is_token_revoked(self, claims: dict[str, Any], refresh: bool = False) -> bool:
        """True when the session token (``refresh``: the refresh token) of ``claims`` was logged out."""
        tid = claims.get("tid")
        if not isinstance(tid, str):
            return False
        row = self.db.one("SELECT revoked FROM session_token WHERE tid = ?", (tid,))
        return bool(row and row[0] & (_REVOKED_ALL | (_REVOKED_REFRESH if refresh else _REVOKED_SESSION)))

    def revoke(self, tid: str, user_id: str, refresh: bool = False) -> None:
        """Log out the session token of ``tid`` (``refresh``: its refresh token); as in Nakama, the two
        tokens that share an id are logged out one by one."""
        flag = _REVOKED_REFRESH if refresh else _REVOKED_SESSION
        self.db.execute("INSERT INTO session_token (tid, user_id, exp, revoked) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (tid) DO UPDATE SET revoked = revoked | excluded.revoked",
                        (tid, user_id, int(time.time()) + self.hub.config.refresh_token_expiry_sec, flag))

    def revoke_all(self, user_id: str) -> None:
        """Logout everywhere: every token of the user issued so far dies. (Nakama counts whole seconds:
        a token issued in the same second as the logout survives it there; here it does not.)"""
        self.db.execute("UPDATE session_token SET revoked = ? WHERE user_id = ?", (_REVOKED_ALL, user_id))
        self.hub.tokens_invalidated_at[user_id] = int(time.time())   # socket upgrades (_revocation)


def _random_username() -> str:
    return "".join(random.choice(_USERNAME_LETTERS) for _ in range(10))


def _vars(body: dict[str, Any]) -> dict[str, str] | None:
    raw = body.get("vars")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ApiFailure(INVALID_ARGUMENT, "vars must be an object with string values")
    return {str(k): v for k, v in raw.items()} or None


def install(hub: Hub) -> None:
    hub.db.register("accounts", MIGRATIONS)
    accounts = Accounts(hub)
    hub.accounts = accounts  # type: ignore[attr-defined]
    hub.is_token_revoked = accounts.is_token_revoked
    db = hub.db

    def requested_username(req: ApiRequest) -> str:
        name = req.q("username") or ""
        return check_username(name) if name else ""

    def finish(user_id: str, username: str, created: bool, body: dict[str, Any]) -> dict[str, Any]:
        row = accounts.row(user_id)
        if row is not None and row["disable_time"]:
            raise ApiFailure(PERMISSION_DENIED, "User account banned.")
        return accounts.session_reply(user_id, username, _vars(body), created)

    def by_column(req: ApiRequest, lookup: Callable[[], sqlite3.Row | None],
                  create: Callable[[str], str]) -> dict[str, Any]:
        body = req.body()
        username = requested_username(req)
        with db.transaction():
            row = lookup()
            if row is not None:
                return finish(row["id"], row["username"], False, body)
            if not req.q_bool("create", True):
                raise ApiFailure(NOT_FOUND, "User account not found.")
            username = username or _random_username()
            return finish(create(username), username, True, body)

    def auth_device(req: ApiRequest) -> dict[str, Any]:
        device_id = check_id(req.body().get("id"), "Device ID", 10)

        def create(username: str) -> str:
            user_id = accounts.create_user(username)
            db.execute("INSERT INTO user_device (id, user_id) VALUES (?, ?)", (device_id, user_id))
            return user_id
        return by_column(req, lambda: db.one("SELECT u.id, u.username FROM user_device d JOIN users u "
                                             "ON u.id = d.user_id WHERE d.id = ?", (device_id,)), create)

    def auth_custom(req: ApiRequest) -> dict[str, Any]:
        custom_id = check_id(req.body().get("id"), "Custom ID", 6)
        return by_column(req, lambda: db.one("SELECT id, username FROM users WHERE custom_id = ?", (custom_id,)),
                         lambda username: accounts.create_user(username, custom_id=custom_id))

    def auth_email(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        email, password = body.get("email"), body.get("password")
        if email in (None, ""):   # username + password login
            password = password if isinstance(password, str) else ""
            if len(password) < 8:
                raise ApiFailure(INVALID_ARGUMENT, "Password must be at least 8 characters long.")
            username = requested_username(req)
            if not username:
                raise ApiFailure(INVALID_ARGUMENT, "Username is required when email address is not supplied.")
            row = db.one("SELECT id, username, password FROM users WHERE username = ?", (username,))
            if row is None:
                raise ApiFailure(NOT_FOUND, "User account not found.")
            if not verify_password(password, row["password"]):
                raise ApiFailure(UNAUTHENTICATED, "Invalid credentials.")
            return finish(row["id"], row["username"], False, body)
        email, password = check_email(email, password)
        username = requested_username(req)
        with db.transaction():
            row = db.one("SELECT id, username, password FROM users WHERE email = ?", (email,))
            if row is not None:
                if not verify_password(password, row["password"]):
                    raise ApiFailure(UNAUTHENTICATED, "Invalid credentials.")
                return finish(row["id"], row["username"], False, body)
            if not req.q_bool("create", True):
                raise ApiFailure(NOT_FOUND, "User account not found.")
            username = username or _random_username()
            user_id = accounts.create_user(username, email=email, password=hash_password(password))
            return finish(user_id, username, True, body)

    def auth_social(provider: str) -> Callable[[ApiRequest], dict[str, Any]]:
        def handler(req: ApiRequest) -> dict[str, Any]:
            failure = social_failure(provider, req.body(), authenticating=True)
            if failure.code != INVALID_ARGUMENT and not _SOCIAL[provider][3]:
                requested_username(req)   # asked after the credential and the configuration
            raise failure
        return handler

    def refresh(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        token = body.get("token")
        if not token:
            raise ApiFailure(INVALID_ARGUMENT, "Refresh token is required.")
        try:
            claims = _jwt.decode(str(token), hub.config.refresh_encryption_key, now=time.time())
        except _jwt.InvalidToken as exc:
            raise ApiFailure(UNAUTHENTICATED, "Refresh token invalid or expired.") from exc
        user_id, tid = claims.get("uid"), claims.get("tid")
        if not isinstance(user_id, str) or not isinstance(tid, str) or accounts.is_token_revoked(claims, refresh=True):
            raise ApiFailure(UNAUTHENTICATED, "Refresh token invalid or expired.")
        row = accounts.row(user_id)
        if row is None:
            raise ApiFailure(NOT_FOUND, "User account not found.")
        if row["disable_time"]:
            raise ApiFailure(PERMISSION_DENIED, "User account banned.")
        new_vars = _vars(body)
        if new_vars is None:
            old = claims.get("vrs")
            new_vars = dict(old) if isinstance(old, dict) and old else None
        iat = claims.get("iat") if isinstance(claims.get("iat"), int) else None
        return accounts.session_reply(user_id, row["username"], new_vars, False, token_id=tid, issued_at=iat)

    def logout(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        token, refresh_token = body.get("token") or "", body.get("refresh_token") or ""
        if not token and not refresh_token:
            accounts.revoke_all(req.user_id)
            return {}
        logged_out: list[tuple[str, bool]] = []   # both are checked before either is logged out
        for value, key, message, is_refresh in (
                (token, hub.config.encryption_key, "Session token invalid.", False),
                (refresh_token, hub.config.refresh_encryption_key, "Refresh token invalid.", True)):
            if not value:
                continue
            try:
                claims = _jwt.decode(str(value), key, now=time.time())
            except _jwt.InvalidToken as exc:
                raise ApiFailure(INVALID_ARGUMENT, message) from exc
            if claims.get("uid") != req.user_id or not isinstance(claims.get("tid"), str):
                raise ApiFailure(INVALID_ARGUMENT, message)
            logged_out.append((claims["tid"], is_refresh))
        for tid, is_refresh in logged_out:
            accounts.revoke(tid, req.user_id, refresh=is_refresh)
        return {}

    routes = hub.routes
    routes.add("GET", "/healthcheck", lambda req: {}, auth="none")
    routes.add("POST", "/v2/account/authenticate/device", auth_device, auth="basic")
    routes.add("POST", "/v2/account/authenticate/custom", auth_custom, auth="basic")
    routes.add("POST", "/v2/account/authenticate/email", auth_email, auth="basic")
    for provider in _SOCIAL:
        routes.add("POST", f"/v2/account/authenticate/{provider}", auth_social(provider), auth="basic")
    routes.add("POST", "/v2/account/session/refresh", refresh, auth="basic")
    routes.add("POST", "/v2/session/logout", logout, auth="bearer")
