"""Dev server routes: the signed-in account (get, update, delete), users, and link/unlink.

``/v2/account`` (GET, PUT, DELETE), ``/v2/user`` and ``/v2/account/link|unlink/*``. Uses ``hub.accounts``
from ``_http_accounts``.
"""
from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._http import (
    ALREADY_EXISTS,
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    UNAUTHENTICATED,
    ApiFailure,
    ApiRequest,
)
from ._http_accounts import (
    _INVALID_ID,
    _SOCIAL,
    check_email,
    check_id,
    check_username,
    hash_password,
    rfc3339,
    social_credential_given,
    social_failure,
)

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["install"]

_LAST_LINK = "Cannot unlink last account identifier. Check profile exists and is not last link."
_PROFILE_FIELDS = ("username", "display_name", "avatar_url", "lang_tag", "location", "timezone")
# the width (in characters) of each profile column of Nakama's users table
_COLUMN_CHARS = {"username": 128, "display_name": 255, "avatar_url": 512, "lang_tag": 18, "location": 255,
                 "timezone": 255}
_SOCIAL_COLUMNS = ("facebook_id", "google_id", "gamecenter_id", "steam_id", "apple_id",
                   "facebook_instant_game_id")
_COLUMNS = {"apple": "apple_id", "facebook": "facebook_id", "facebookinstantgame": "facebook_instant_game_id",
            "gamecenter": "gamecenter_id", "google": "google_id", "steam": "steam_id"}
_PROFILE_NAMES = {"apple": "Apple", "facebook": "Facebook", "facebookinstantgame": "Facebook Instant Game",
                  "gamecenter": "GameCenter", "google": "Google", "steam": "Steam"}


def _text(body: dict[str, Any], key: str) -> str:
    """A string field of the body; absent (or null) is ""."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def install(hub: Hub) -> None:
    accounts = hub.accounts  # type: ignore[attr-defined]
    db = hub.db

    def account_row(req: ApiRequest) -> sqlite3.Row:
        row = accounts.row(req.user_id)
        if row is None:
            raise ApiFailure(NOT_FOUND, "Account not found.")
        return row

    # ---- account ------------------------------------------------------------------------
    def get_account(req: ApiRequest) -> dict[str, Any]:
        row = account_row(req)
        reply: dict[str, Any] = {"user": accounts.user_wire(row), "wallet": row["wallet"] or "{}"}
        if row["email"]:
            reply["email"] = row["email"]
        devices = db.all("SELECT id FROM user_device WHERE user_id = ? ORDER BY id", (row["id"],))
        if devices:
            reply["devices"] = [{"id": d["id"]} for d in devices]
        if row["custom_id"]:
            reply["custom_id"] = row["custom_id"]
        if row["verify_time"]:
            reply["verify_time"] = rfc3339(row["verify_time"])
        if row["disable_time"]:
            reply["disable_time"] = rfc3339(row["disable_time"])
        return reply

    def update_account(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        changes: dict[str, str] = {}
        for key in _PROFILE_FIELDS:
            value = body.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ApiFailure(INVALID_ARGUMENT, f"invalid value for string field {key}")
            changes[key] = value
        if "username" in changes:
            if not 1 <= len(changes["username"].encode("utf-8")) <= 128:
                raise ApiFailure(INVALID_ARGUMENT, "Username invalid, must be 1-128 bytes.")
            check_username(changes["username"])
        if not changes:
            raise ApiFailure(INVALID_ARGUMENT, "No fields to update.")
        for key, value in changes.items():
            # what Postgres refuses in Nakama's users table (a NUL, more characters than the column
            # holds, lang_tag "" stored as NULL in a NOT NULL column) fails the update as an internal error
            if "\x00" in value or len(value) > _COLUMN_CHARS[key] or (key == "lang_tag" and value == ""):
                raise ApiFailure(INTERNAL, "Error while trying to update account.")
        row = account_row(req)
        changes = {key: value for key, value in changes.items() if row[key] != value}
        if not changes:
            return {}   # Nakama updates only a row that differs (update_time stays)
        assignments = ", ".join(f"{key} = ?" for key in changes)
        try:
            db.execute(f"UPDATE users SET {assignments}, update_time = ? WHERE id = ?",
                       [*changes.values(), int(time.time()), req.user_id])
        except sqlite3.IntegrityError as exc:
            # Nakama wraps this clash in InvalidArgument (seen: 400, not 409)
            raise ApiFailure(INVALID_ARGUMENT,
                             "rpc error: code = AlreadyExists desc = Username is already in use.") from exc
        return {}

    def delete_account(req: ApiRequest) -> dict[str, Any]:
        user_id = req.user_id
        with db.transaction():
            db.execute("DELETE FROM user_device WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM users WHERE id = ?", (user_id,))
            accounts.revoke_all(user_id)
        for hook in list(accounts.deleted_hooks):
            try:
                hook(user_id)
            except Exception:
                hub.log.exception("account-deleted hook failed")
        return {}

    def get_users(req: ApiRequest) -> dict[str, Any]:
        ids = req.q_all("ids")
        for user_id in ids:
            if not _is_uuid(user_id):
                raise ApiFailure(INVALID_ARGUMENT, f"ID '{user_id}' is not a valid system ID.")
        usernames = req.q_all("usernames")
        facebook_ids = req.q_all("facebook_ids")
        if any("\x00" in value for value in usernames + facebook_ids):   # Postgres refuses a NUL
            raise ApiFailure(INTERNAL, "Error retrieving user accounts.")
        rows: dict[str, sqlite3.Row] = {}
        for row in accounts.rows_by_ids(ids) + accounts.rows_by_usernames(usernames):
            rows[row["id"]] = row
        if facebook_ids:
            marks = ",".join("?" * len(facebook_ids))
            for row in db.all(f"SELECT * FROM users WHERE facebook_id IN ({marks})", facebook_ids):
                rows[row["id"]] = row
        if not rows:
            return {}
        return {"users": [accounts.user_wire(row) for row in rows.values()]}

    # ---- link / unlink ------------------------------------------------------------------
    def unlink(req: ApiRequest, column: str, match: str = "", fail: str = "") -> None:
        """Nakama's unlink: clear ``column`` (only where it equals ``match``, when given) if the account
        keeps another identifier, else 403. A NUL in ``match`` fails in Postgres: 500 ``fail``."""
        if "\x00" in match:
            raise ApiFailure(INTERNAL, fail)
        with db.transaction():
            row = account_row(req)
            others = any(row[key] for key in ("email", "custom_id", *_SOCIAL_COLUMNS) if key != column)
            others = others or db.one("SELECT 1 FROM user_device WHERE user_id = ?", (req.user_id,)) is not None
            if (match and row[column] != match) or not others:
                raise ApiFailure(PERMISSION_DENIED, _LAST_LINK)
            extra = ", password = NULL" if column == "email" else ""
            db.execute(f"UPDATE users SET {column} = NULL{extra}, update_time = ? WHERE id = ?",
                       (int(time.time()), req.user_id))

    def link_device(req: ApiRequest) -> dict[str, Any]:
        device_id = check_id(req.body().get("id"), "Device ID", 10)
        with db.transaction():
            account_row(req)
            owner = db.one("SELECT user_id FROM user_device WHERE id = ?", (device_id,))
            if owner is not None and owner[0] != req.user_id:
                raise ApiFailure(ALREADY_EXISTS, "Device ID already in use.")
            if owner is None:
                db.execute("INSERT INTO user_device (id, user_id) VALUES (?, ?)", (device_id, req.user_id))
                touch(req.user_id)
        return {}

    def unlink_device(req: ApiRequest) -> dict[str, Any]:
        device_id = _text(req.body(), "id")
        if device_id == "":
            raise ApiFailure(INVALID_ARGUMENT, "A device ID must be supplied.")
        if "\x00" in device_id:
            raise ApiFailure(INTERNAL, "Could not unlink device ID.")
        with db.transaction():
            row = account_row(req)
            owner = db.one("SELECT user_id FROM user_device WHERE id = ?", (device_id,))
            others = any(row[key] for key in ("email", "custom_id", *_SOCIAL_COLUMNS)) or db.one(
                "SELECT 1 FROM user_device WHERE user_id = ? AND id <> ?", (req.user_id, device_id)) is not None
            if owner is None or owner[0] != req.user_id or not others:
                raise ApiFailure(PERMISSION_DENIED, _LAST_LINK)
            db.execute("DELETE FROM user_device WHERE id = ?", (device_id,))
            touch(req.user_id)
        return {}

    def link_custom(req: ApiRequest) -> dict[str, Any]:
        custom_id = _text(req.body(), "id")
        if custom_id == "":
            raise ApiFailure(INVALID_ARGUMENT, "Custom ID is required.")
        if _INVALID_ID.search(custom_id):
            raise ApiFailure(INVALID_ARGUMENT, "Invalid custom ID, no spaces or control characters allowed.")
        if not 6 <= len(custom_id.encode("utf-8")) <= 128:
            raise ApiFailure(INVALID_ARGUMENT, "Invalid custom ID, must be 6-128 bytes.")
        with db.transaction():
            account_row(req)
            owner = db.one("SELECT id FROM users WHERE custom_id = ?", (custom_id,))
            if owner is not None and owner[0] != req.user_id:
                raise ApiFailure(ALREADY_EXISTS, "Custom ID is already in use.")
            db.execute("UPDATE users SET custom_id = ?, update_time = ? WHERE id = ?",
                       (custom_id, int(time.time()), req.user_id))
        return {}

    def unlink_custom(req: ApiRequest) -> dict[str, Any]:
        unlink(req, "custom_id", _text(req.body(), "id"), "Error while trying to unlink custom ID.")
        return {}

    def link_email(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        email, password = check_email(body.get("email"), body.get("password"), linking=True)
        with db.transaction():
            account_row(req)
            owner = db.one("SELECT id FROM users WHERE email = ?", (email,))
            if owner is not None and owner[0] != req.user_id:
                raise ApiFailure(ALREADY_EXISTS, "Email is already in use.")
            db.execute("UPDATE users SET email = ?, password = ?, update_time = ? WHERE id = ?",
                       (email, hash_password(password), int(time.time()), req.user_id))
        return {}

    def unlink_email(req: ApiRequest) -> dict[str, Any]:
        # Nakama matches the address only (lowercased); the password is not asked for
        unlink(req, "email", _text(req.body(), "email").lower(), "Error while trying to unlink email.")
        return {}

    def touch(user_id: str) -> None:
        db.execute("UPDATE users SET update_time = ? WHERE id = ?", (int(time.time()), user_id))

    def social(provider: str, steam_link: bool = False) -> Callable[[ApiRequest], dict[str, Any]]:
        def handler(req: ApiRequest) -> dict[str, Any]:
            body = req.body()
            if steam_link:   # LinkSteamRequest wraps the account: {"account": {...}, "sync": ...}
                inner = body.get("account")
                body = inner if isinstance(inner, dict) else {}
                if not body.get("token"):   # asked before the configuration
                    raise ApiFailure(INVALID_ARGUMENT, "Steam access token is required.")
            raise social_failure(provider, body)
        return handler

    def social_unlink(provider: str) -> Callable[[ApiRequest], dict[str, Any]]:
        def handler(req: ApiRequest) -> dict[str, Any]:
            # a credential is verified (an unconfigured server never can); without one, Nakama unlinks
            # whatever the account holds
            if social_credential_given(provider, req.body()):
                raise ApiFailure(UNAUTHENTICATED, f"Could not authenticate {_PROFILE_NAMES[provider]} profile.")
            unlink(req, _COLUMNS[provider])
            return {}
        return handler

    routes = hub.routes
    routes.add("GET", "/v2/account", get_account)
    routes.add("PUT", "/v2/account", update_account)
    routes.add("DELETE", "/v2/account", delete_account)
    routes.add("GET", "/v2/user", get_users)
    for action, device, custom, email in (("link", link_device, link_custom, link_email),
                                          ("unlink", unlink_device, unlink_custom, unlink_email)):
        routes.add("POST", f"/v2/account/{action}/device", device)
        routes.add("POST", f"/v2/account/{action}/custom", custom)
        routes.add("POST", f"/v2/account/{action}/email", email)
        for provider in _SOCIAL:
            routes.add("POST", f"/v2/account/{action}/{provider}",
                       social(provider, steam_link=provider == "steam") if action == "link"
                       else social_unlink(provider))
