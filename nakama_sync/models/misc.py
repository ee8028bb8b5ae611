"""Models: match listing, purchases, subscriptions (see nakama_sync.models)."""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import ClassVar

from ._base import Model, model, wire_field

__all__ = [
    "ApiMatch",
    "MatchList",
    "StoreEnvironment",
    "StoreProvider",
    "SubscriptionList",
    "ValidatePurchaseResponse",
    "ValidateSubscriptionResponse",
    "ValidatedPurchase",
    "ValidatedSubscription",
]


class StoreProvider(IntEnum):
    """``store`` values of purchases. Example: ``p.store == StoreProvider.GOOGLE_PLAY_STORE``"""

    APPLE_APP_STORE = 0
    GOOGLE_PLAY_STORE = 1
    HUAWEI_APP_GALLERY = 2
    FACEBOOK_INSTANT_STORE = 3
    SAMSUNG_GALAXY_STORE = 4


class StoreEnvironment(IntEnum):
    """``environment`` values of purchases. Example: ``p.environment == StoreEnvironment.SANDBOX``"""

    UNKNOWN = 0
    SANDBOX = 1
    PRODUCTION = 2


@model
class ApiMatch(Model):
    """A match as listed by ``GET /v2/match`` (the HTTP API's ``Match``; the socket's is ``Match``).

    Example: ``ids = [m.match_id for m in client.list_matches(session, limit=10).matches]``
    Thread safety: immutable; any thread may read it.
    """

    match_id: str = ""
    authoritative: bool = False
    label: str = ""
    size: int = 0
    tick_rate: int = 0
    handler_name: str = ""


@model
class MatchList(Model):
    """The matches found by :meth:`Client.list_matches` (not paged).

    Example: ``client.list_matches(session, authoritative=True).matches``
    Thread safety: immutable; any thread may read it.
    """

    matches: list[ApiMatch] = wire_field(default_factory=list)


@model
class ValidatedPurchase(Model):
    """A purchase the store confirmed.

    Example: ``for p in client.validate_purchase_google(session, receipt).validated_purchases: ...``
    Thread safety: immutable; any thread may read it.
    """

    user_id: str = ""
    product_id: str = ""
    transaction_id: str = ""
    store: StoreProvider = StoreProvider.APPLE_APP_STORE
    purchase_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    refund_time: datetime | None = None
    provider_response: str = ""
    environment: StoreEnvironment = StoreEnvironment.UNKNOWN
    seen_before: bool = False


@model
class ValidatePurchaseResponse(Model):
    """The reply of a purchase validation.

    Example: ``resp = client.validate_purchase_apple(session, receipt)``
    Thread safety: immutable; any thread may read it.
    """

    validated_purchases: list[ValidatedPurchase] = wire_field(default_factory=list)


@model
class ValidatedSubscription(Model):
    """A subscription the store confirmed; ``active`` tells whether it is still running.

    Example: ``client.get_subscription(session, "gold").active``
    Thread safety: immutable; any thread may read it.
    """

    user_id: str = ""
    product_id: str = ""
    original_transaction_id: str = ""
    store: StoreProvider = StoreProvider.APPLE_APP_STORE
    purchase_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    environment: StoreEnvironment = StoreEnvironment.UNKNOWN
    expiry_time: datetime | None = None
    refund_time: datetime | None = None
    provider_response: str = ""
    provider_notification: str = ""
    active: bool = False


@model
class ValidateSubscriptionResponse(Model):
    """The reply of a subscription validation.

    Example: ``sub = client.validate_subscription_google(session, receipt).validated_subscription``
    Thread safety: immutable; any thread may read it.
    """

    validated_subscription: ValidatedSubscription | None = None


@model
class SubscriptionList(Model):
    """One page of the user's subscriptions.

    Example: ``page = client.list_subscriptions(session, limit=10)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "validated_subscriptions"
    validated_subscriptions: list[ValidatedSubscription] = wire_field(default_factory=list)
    cursor: str = ""
    prev_cursor: str = ""
