"""Client methods: match listing, purchases, subscriptions, events (a mixin of Client).

See _client_base for the ``_call`` contract.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import _wire
from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .exceptions import InvalidArgumentType
from .models.misc import (
    MatchList,
    SubscriptionList,
    ValidatedSubscription,
    ValidatePurchaseResponse,
    ValidateSubscriptionResponse,
)
from .session import Session

__all__ = ["_MiscApi"]


def _with_persist(body: dict[str, Any], persist: bool | None) -> dict[str, Any]:
    if persist is not None:
        body["persist"] = persist
    return body


class _MiscApi(_ClientBase):
    @checked
    def list_matches(self, session: Session, limit: int | None = None, authoritative: bool | None = None,
                     label: str | None = None, min_size: int | None = None, max_size: int | None = None,
                     query: str | None = None) -> MatchList:
        """Find running matches (authoritative ones with their label; relayed ones with id and size).

        Example: ``matches = client.list_matches(session, limit=10, authoritative=True, min_size=1).matches``
        Thread: any thread; blocks on one HTTP request.
        """
        params = {"limit": limit, "authoritative": authoritative, "label": label, "min_size": min_size,
                  "max_size": max_size, "query": query}
        return MatchList.from_wire(self._call("GET", "/v2/match", session, query=params))
    list_matches_nowait = nowait(list_matches)

    # ---- purchases ----------------------------------------------------------------------------
    def _validate_purchase(self, session: Session, store: str, body: dict[str, Any]) -> ValidatePurchaseResponse:
        data = self._call("POST", f"/v2/iap/purchase/{store}", session, body=body)
        return ValidatePurchaseResponse.from_wire(data)

    @checked
    def validate_purchase_apple(self, session: Session, receipt: str,
                                persist: bool | None = None) -> ValidatePurchaseResponse:
        """Validate an Apple App Store receipt (base64).

        Example: ``client.validate_purchase_apple(session, receipt).validated_purchases``
        Thread: any thread; blocks on one HTTP request.
        """
        return self._validate_purchase(session, "apple", _with_persist({"receipt": receipt}, persist))
    validate_purchase_apple_nowait = nowait(validate_purchase_apple)

    @checked
    def validate_purchase_google(self, session: Session, purchase: str,
                                 persist: bool | None = None) -> ValidatePurchaseResponse:
        """Validate a Google Play purchase (the purchase JSON text).

        Example: ``client.validate_purchase_google(session, purchase_json)``
        Thread: any thread; blocks on one HTTP request.
        """
        return self._validate_purchase(session, "google", _with_persist({"purchase": purchase}, persist))
    validate_purchase_google_nowait = nowait(validate_purchase_google)

    @checked
    def validate_purchase_huawei(self, session: Session, purchase: str, signature: str,
                                 persist: bool | None = None) -> ValidatePurchaseResponse:
        """Validate a Huawei AppGallery purchase and its signature.

        Example: ``client.validate_purchase_huawei(session, purchase, signature)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _with_persist({"purchase": purchase, "signature": signature}, persist)
        return self._validate_purchase(session, "huawei", body)
    validate_purchase_huawei_nowait = nowait(validate_purchase_huawei)

    @checked
    def validate_purchase_facebook_instant(self, session: Session, signed_request: str,
                                           persist: bool | None = None) -> ValidatePurchaseResponse:
        """Validate a Facebook Instant Games purchase (its signed request).

        Example: ``client.validate_purchase_facebook_instant(session, signed_request)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _with_persist({"signed_request": signed_request}, persist)
        return self._validate_purchase(session, "facebookinstant", body)
    validate_purchase_facebook_instant_nowait = nowait(validate_purchase_facebook_instant)

    @checked
    def validate_purchase_samsung(self, session: Session, purchase_id: str,
                                  persist: bool | None = None) -> ValidatePurchaseResponse:
        """Validate a Samsung Galaxy Store purchase by its id.

        Example: ``client.validate_purchase_samsung(session, purchase_id)``
        Thread: any thread; blocks on one HTTP request.
        """
        return self._validate_purchase(session, "samsung", _with_persist({"purchase_id": purchase_id}, persist))
    validate_purchase_samsung_nowait = nowait(validate_purchase_samsung)

    # ---- subscriptions ------------------------------------------------------------------------
    @checked
    def validate_subscription_apple(self, session: Session, receipt: str,
                                    persist: bool | None = None) -> ValidateSubscriptionResponse:
        """Validate an Apple subscription receipt.

        Example: ``sub = client.validate_subscription_apple(session, receipt).validated_subscription``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("POST", "/v2/iap/subscription/apple", session,
                          body=_with_persist({"receipt": receipt}, persist))
        return ValidateSubscriptionResponse.from_wire(data)
    validate_subscription_apple_nowait = nowait(validate_subscription_apple)

    @checked
    def validate_subscription_google(self, session: Session, receipt: str,
                                     persist: bool | None = None) -> ValidateSubscriptionResponse:
        """Validate a Google Play subscription (the purchase JSON text).

        Example: ``sub = client.validate_subscription_google(session, receipt).validated_subscription``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("POST", "/v2/iap/subscription/google", session,
                          body=_with_persist({"receipt": receipt}, persist))
        return ValidateSubscriptionResponse.from_wire(data)
    validate_subscription_google_nowait = nowait(validate_subscription_google)

    @checked
    def get_subscription(self, session: Session, product_id: str) -> ValidatedSubscription:
        """Your subscription to ``product_id``; an unknown one raises ApiError (404).

        Example: ``active = client.get_subscription(session, "gold").active``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("GET", f"/v2/iap/subscription/{_quote(product_id)}", session)
        return ValidatedSubscription.from_wire(data)
    get_subscription_nowait = nowait(get_subscription)

    @checked
    def list_subscriptions(self, session: Session, limit: int | None = None,
                           cursor: str | None = None) -> SubscriptionList:
        """One page of your validated subscriptions.

        Example: ``subs = client.list_subscriptions(session, limit=10).validated_subscriptions``
        Thread: any thread; blocks on one HTTP request.
        """
        body: dict[str, Any] = {}
        if limit is not None:
            body["limit"] = limit
        if cursor:
            body["cursor"] = cursor
        data = self._call("POST", "/v2/iap/subscription", session, body=body, retry=True)
        return SubscriptionList.from_wire(data)
    list_subscriptions_nowait = nowait(list_subscriptions)

    # ---- events -------------------------------------------------------------------------------
    @checked
    def event(self, session: Session, name: str, properties: Mapping[str, str] | None = None,
              timestamp: datetime | None = None, external: bool | None = None) -> None:
        """Send an analytics event to the server's event handlers.

        Example: ``client.event(session, "level_up", {"level": "2"})``
        Thread: any thread; blocks on one HTTP request.
        """
        body: dict[str, Any] = {"name": name}
        if properties:
            for k, v in properties.items():
                if not isinstance(v, str):
                    raise InvalidArgumentType(f"event property {k!r} must be a str, not {type(v).__name__}")
            body["properties"] = dict(properties)
        if timestamp is not None:
            body["timestamp"] = _wire.format_time(timestamp, 6)
        if external is not None:
            body["external"] = external
        self._call("POST", "/v2/event", session, body=body)
    event_nowait = nowait(event)
