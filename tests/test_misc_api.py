"""Match listing, purchases/subscriptions without store credentials, events."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nakama_sync import ApiError


def test_list_matches_shapes_and_filters(client, new_session):
    s = new_session()
    page = client.list_matches(s, limit=5)
    assert len(page.matches) <= 5
    for m in page.matches:
        assert m.match_id and (m.authoritative or m.label == "")
    relayed = client.list_matches(s, limit=100, authoritative=False).matches
    assert all(not m.authoritative for m in relayed)
    with pytest.raises(ApiError) as err:
        client.list_matches(s, authoritative=False, label="x")
    assert err.value.status_code == 400
    with pytest.raises(ApiError):
        client.list_matches(s, min_size=3, max_size=2)


def test_list_matches_lists_a_relayed_match(target, client, new_session):
    s = new_session()
    socket = client.create_socket()
    socket.connect(s)
    try:
        match = socket.create_match()
        found = client.list_matches(s, limit=100, authoritative=False, min_size=1).matches
        listed = [m for m in found if m.match_id == match.match_id]
        assert len(listed) == 1 and listed[0].size == 1 and not listed[0].authoritative
    finally:
        socket.close()


@pytest.mark.parametrize("call", [
    lambda c, s: c.validate_purchase_apple(s, "receipt", persist=True),
    lambda c, s: c.validate_purchase_google(s, '{"json":"x"}'),
    lambda c, s: c.validate_purchase_huawei(s, "purchase", "signature"),
    lambda c, s: c.validate_purchase_facebook_instant(s, "signed.request"),
    lambda c, s: c.validate_purchase_samsung(s, "purchase-id"),
    lambda c, s: c.validate_subscription_apple(s, "receipt"),
    lambda c, s: c.validate_subscription_google(s, "receipt", persist=False),
])
def test_store_validation_without_credentials_is_a_clear_error(client, new_session, call):
    with pytest.raises(ApiError) as err:
        call(client, new_session())
    assert err.value.status_code in (400, 401, 500)


def test_subscriptions_empty(client, new_session):
    s = new_session()
    assert client.list_subscriptions(s, limit=10).validated_subscriptions == []
    with pytest.raises(ApiError) as err:
        client.get_subscription(s, "nope")
    assert (err.value.status_code, err.value.message) == (404, "subscription not found")


def test_event(client, new_session):
    s = new_session()
    client.event(s, "level_up", {"level": "2"}, external=True)
    client.event(s, "ts", timestamp=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(TypeError):
        client.event(s, "bad", {"level": 2})  # type: ignore[dict-item]
