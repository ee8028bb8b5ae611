"""Models: accounts and users (see nakama_sync.models)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ._base import Model, model, wire_field

__all__ = ["Account", "AccountDevice", "User", "Users"]


@model
class User(Model):
    """A user as others see it. ``metadata`` is the parsed JSON object; ``online`` is True while the user
    has a status presence (a socket opened with ``appear_online``).

    Example: ``user = client.get_users(session, usernames=["alice"]).users[0]; print(user.display_name)``
    Thread safety: immutable; any thread may read it.
    """

    id: str = ""
    username: str = ""
    display_name: str = ""
    avatar_url: str = ""
    lang_tag: str = ""
    location: str = ""
    timezone: str = ""
    metadata: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    facebook_id: str = ""
    google_id: str = ""
    gamecenter_id: str = ""
    steam_id: str = ""
    online: bool = False
    edge_count: int = 0
    create_time: datetime | None = None
    update_time: datetime | None = None
    facebook_instant_game_id: str = ""
    apple_id: str = ""


@model
class Users(Model):
    """The reply of ``get_users``: ``users`` in no particular order.

    Example: ``names = {u.username for u in client.get_users(session, ids=[uid]).users}``
    Thread safety: immutable; any thread may read it.
    """

    users: list[User] = wire_field(default_factory=list)


@model
class AccountDevice(Model):
    """A device id linked to an account (``vars`` only when sent with it).

    Example: ``ids = [d.id for d in client.get_account(session).devices]``
    Thread safety: immutable; any thread may read it.
    """

    id: str = ""
    vars: dict[str, str] = wire_field(default_factory=dict)


@model
class Account(Model):
    """The signed-in user's own account. ``wallet`` is the parsed JSON object; ``verify_time`` is set when
    the email was verified, ``disable_time`` when the account was banned or disabled.

    Example: ``account = client.get_account(session); print(account.user.username, account.wallet)``
    Thread safety: immutable; any thread may read it.
    """

    user: User = wire_field(default_factory=User)
    wallet: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    email: str = ""
    devices: list[AccountDevice] = wire_field(default_factory=list)
    custom_id: str = ""
    verify_time: datetime | None = None
    disable_time: datetime | None = None
